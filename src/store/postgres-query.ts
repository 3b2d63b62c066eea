import { createHash } from 'node:crypto';
import type { Query } from './postgres-connection.ts';

const cache = new Map<string, Query>();

/** A query named after its text, so the server prepares each distinct statement once per connection. */
export function sql(text: string): Query {
  let query = cache.get(text);
  if (!query) {
    query = { name: `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
    if (cache.size < 1024) cache.set(text, query);
  }
  return query;
}

/** PostgreSQL's `$n` placeholders, for builders shared with SQLite's `?`. */
export const dollar = (index: number) => `$${index}`;
