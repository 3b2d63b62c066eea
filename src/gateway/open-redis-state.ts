import type { Logger } from '../logger.ts';
import type { CacheStore } from '../store/cache-store.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** The gateway's state shared by replicas through Redis: rate-limit counters and the answer cache. */
export interface RedisState {
  rateLimiter: RateLimiter;
  cache: CacheStore;
  close(): Promise<void>;
}

/**
 * Redis when `PORTICO_REDIS_URL` names one (`PORTICO_REDIS_PREFIX` before every key, default
 * `portico:`), else undefined: the counters stay in this process and the cache in the database.
 * The Redis client is imported only when Redis is configured.
 */
export async function openRedisState(
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<RedisState | undefined> {
  const url = env.PORTICO_REDIS_URL?.trim();
  if (!url) return undefined;
  if (!/^rediss?:\/\//.test(url)) throw new Error('PORTICO_REDIS_URL must be a redis:// or rediss:// URL.');
  const prefix = env.PORTICO_REDIS_PREFIX?.trim();
  const [{ RedisConnection }, { RedisCacheStore }, { RedisRateLimiter }] = await Promise.all([
    import('../store/redis-connection.ts'),
    import('../store/redis-cache-store.ts'),
    import('./redis-rate-limiter.ts'),
  ]);
  const redis = await RedisConnection.open({ url, logger, ...(prefix ? { prefix } : {}) });
  return {
    rateLimiter: new RedisRateLimiter(redis),
    cache: new RedisCacheStore(redis),
    close: () => redis.close(),
  };
}
