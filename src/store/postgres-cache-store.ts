import type { CacheStore, CachedAnswer } from './cache-store.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';

/** Cached answers on PostgreSQL, shared by every replica (Redis, when configured, is faster). */
export class PostgresCacheStore implements CacheStore {
  constructor(private readonly db: PostgresDatabase) {}

  async get(key: string, now: number): Promise<CachedAnswer | undefined> {
    const [row] = await this.db.query<{ answer_json: string }>(
      sql(`SELECT answer_json FROM cache WHERE key = $1 AND expires_at > $2`),
      [key, now],
    );
    return row && (JSON.parse(row.answer_json) as CachedAnswer);
  }

  async set(key: string, answer: CachedAnswer, expiresAt: number): Promise<void> {
    await this.db.execute(
      sql(`INSERT INTO cache (key, expires_at, answer_json) VALUES ($1, $2, $3)
        ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, answer_json = excluded.answer_json`),
      [key, expiresAt, JSON.stringify(answer)],
    );
  }

  async prune(now: number): Promise<number> {
    return this.db.execute(sql(`DELETE FROM cache WHERE expires_at <= $1`), [now]);
  }
}
