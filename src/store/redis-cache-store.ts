import type { CacheStore, CachedAnswer } from './cache-store.ts';
import type { RedisConnection } from './redis-connection.ts';

interface Entry {
  expiresAt: number;
  answer: CachedAnswer;
}

/**
 * Cached answers in Redis, shared by every replica. Redis drops an entry when it expires (an
 * absolute expiry, PXAT); the expiry is kept beside the answer too, so a lookup never returns
 * an entry that has expired by the caller's clock, exactly as the SQL stores.
 */
export class RedisCacheStore implements CacheStore {
  constructor(private readonly redis: RedisConnection) {}

  async get(key: string, now: number): Promise<CachedAnswer | undefined> {
    const text = await this.redis.run((client) => client.get(`cache:${key}`));
    if (text === null) return undefined;
    const entry = JSON.parse(text) as Entry;
    return entry.expiresAt > now ? entry.answer : undefined;
  }

  async set(key: string, answer: CachedAnswer, expiresAt: number): Promise<void> {
    const entry: Entry = { expiresAt, answer };
    await this.redis.run((client) => client.set(`cache:${key}`, JSON.stringify(entry), 'PXAT', expiresAt));
  }

  /** Redis removes expired entries itself: nothing is left to prune. */
  async prune(): Promise<number> {
    return 0;
  }
}
