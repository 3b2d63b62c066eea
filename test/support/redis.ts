import { Redis } from 'ioredis';
import { silentLogger } from '../../src/logger.ts';
import { RedisConnection } from '../../src/store/redis-connection.ts';

/** The Redis these tests need: 127.0.0.1:6379, unless PORTICO_TEST_REDIS_URL says otherwise. */
export const TEST_REDIS_URL = process.env.PORTICO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let counter = 0;

/**
 * A key prefix of its own for one test, so runs never see each other's keys; `drop` deletes
 * them. Fails with a message that says what to start when Redis is absent.
 */
export async function freshRedisPrefix(): Promise<{ prefix: string; drop: () => Promise<void> }> {
  const prefix = `portico-test:${process.pid}:${Date.now().toString(36)}:${counter++}:`;
  const client = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `These tests need Redis at ${TEST_REDIS_URL} (set PORTICO_TEST_REDIS_URL to use another): ${(error as Error).message}`,
    );
  }
  const drop = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await client.quit();
  };
  return { prefix, drop };
}

/** A connection under a fresh prefix, and how to close it and drop its keys. */
export async function openTestRedis(
  url = TEST_REDIS_URL,
): Promise<{ redis: RedisConnection; cleanup: () => Promise<void> }> {
  const { prefix, drop } = await freshRedisPrefix();
  const redis = await RedisConnection.open({ url, prefix, logger: silentLogger });
  return {
    redis,
    cleanup: async () => {
      await redis.close();
      await drop();
    },
  };
}
