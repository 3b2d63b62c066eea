import { Redis, ReplyError } from 'ioredis';
import { ApiError } from '../api/errors.ts';
import type { Logger } from '../logger.ts';
import { storeUnavailable } from './store-unavailable.ts';

export interface RedisOptions {
  /** `redis://[user:password@]host:6379[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Put before every key, so several Portico deployments (or test runs) share one Redis; default `portico:`. */
  prefix?: string;
  logger: Logger;
}

const TIMEOUT_MS = 5_000;

/**
 * One connection to Redis (ioredis: measured against @redis/client in bench/redis-clients.ts,
 * 1.3-1.8x the operations per second at about 0.6x the CPU per operation). Commands never queue
 * while Redis is away: they fail at once, or after 5 s when Redis stops answering, as a
 * retryable 503 `store_unavailable`, and the client reconnects by itself.
 */
export class RedisConnection {
  private constructor(readonly client: Redis) {}

  static async open(options: RedisOptions): Promise<RedisConnection> {
    const client = new Redis(options.url, {
      keyPrefix: options.prefix ?? 'portico:',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: TIMEOUT_MS,
      commandTimeout: TIMEOUT_MS,
    });
    // A lost connection is retried by the client; it must not crash the process.
    client.on('error', (error: Error) =>
      options.logger.warn('redis connection error', { error: error.message }),
    );
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new Error(`Redis at PORTICO_REDIS_URL could not be reached: ${(error as Error).message}`);
    }
    return new RedisConnection(client);
  }

  /** Runs commands; an unreachable Redis becomes a retryable 503. */
  async run<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    try {
      return await work(this.client);
    } catch (error) {
      // Redis answered with an error: a bug of Portico's (a 500), not an outage.
      if (error instanceof ApiError || error instanceof ReplyError) throw error;
      throw storeUnavailable('Redis');
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
