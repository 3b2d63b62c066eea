import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateLimit } from '../api/gateway-settings.ts';
import type { RedisConnection } from '../store/redis-connection.ts';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';

/** KEYS[1]: the window's counter. ARGV: limit, milliseconds left in the window. Returns {allowed, remaining}. */
export const FIXED_WINDOW_SCRIPT = `
local limit = tonumber(ARGV[1])
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= limit then return {0, 0} end
count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, limit - count}
`;

/**
 * KEYS[1]: a sorted set of request times. ARGV: now, period, limit, a unique member. Drops the
 * times that left the window, then admits and records the request only while fewer than
 * `limit` remain. Returns {allowed, remaining, retryAfterMs}.
 */
export const SLIDING_WINDOW_SCRIPT = `
local key, now, period, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
local live = redis.call('ZCARD', key)
if live >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, 0, tonumber(oldest[2]) + period - now}
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, period)
return {1, limit - live - 1, 0}
`;

type Reply = [number, number, number?];
type Scripted = Redis & {
  fixedWindow(key: string, limit: number, ttlMs: number): Promise<Reply>;
  slidingWindow(key: string, now: number, period: number, limit: number, member: string): Promise<Reply>;
};

/**
 * The RateLimiter over Redis, shared by every replica, with the memory limiter's semantics:
 * fixed windows aligned to the epoch, exact sliding windows (a sorted set of request times),
 * a refused request not counted. Each decision is one Lua script, atomic in Redis. Times are
 * the callers' clocks: replicas need synchronised clocks (NTP), as for any shared window.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: RedisConnection;
  readonly #tag = randomBytes(6).toString('hex');
  #sequence = 0;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
    // defineCommand sends EVALSHA and falls back to EVAL when Redis lost its script cache.
    redis.client.defineCommand('fixedWindow', { numberOfKeys: 1, lua: FIXED_WINDOW_SCRIPT });
    redis.client.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
  }

  async consume(key: string, rule: RateLimit, now: number): Promise<RateDecision> {
    const id = `rl:${key}:${rule.technique}:${rule.limit}/${rule.periodMs}`;
    if (rule.technique === 'fixed') {
      const start = now - (now % rule.periodMs);
      const left = start + rule.periodMs - now;
      const [allowed, remaining] = await this.#redis.run((client) =>
        (client as Scripted).fixedWindow(`${id}:${start}`, rule.limit, left),
      );
      return allowed
        ? { allowed: true, remaining, retryAfterMs: 0 }
        : { allowed: false, remaining: 0, retryAfterMs: left };
    }
    const member = `${now}:${this.#tag}:${this.#sequence++}`;
    const [allowed, remaining, retryAfterMs = 0] = await this.#redis.run((client) =>
      (client as Scripted).slidingWindow(id, now, rule.periodMs, rule.limit, member),
    );
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }
}
