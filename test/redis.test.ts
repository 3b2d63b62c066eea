// Needs Redis at 127.0.0.1:6379 (PORTICO_TEST_REDIS_URL); each test uses a key prefix of its own.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api/errors.ts';
import type { RateLimit } from '../src/api/gateway-settings.ts';
import { MemoryRateLimiter } from '../src/gateway/memory-rate-limiter.ts';
import { openRedisState } from '../src/gateway/open-redis-state.ts';
import type { RateLimiter } from '../src/gateway/rate-limiter.ts';
import { RedisRateLimiter } from '../src/gateway/redis-rate-limiter.ts';
import { silentLogger } from '../src/logger.ts';
import { RedisCacheStore } from '../src/store/redis-cache-store.ts';
import { RedisConnection } from '../src/store/redis-connection.ts';
import { describeCacheStore } from './cache-store-contract.ts';
import { freshRedisPrefix, openTestRedis, TEST_REDIS_URL } from './support/redis.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

const T = 1_767_225_600_000; // a minute boundary

/** The behaviour every RateLimiter owes: the memory limiter's semantics, exactly. */
function describeRateLimiter(
  name: string,
  open: () => Promise<{ limiter: RateLimiter; cleanup: () => Promise<void> }>,
) {
  describe(`RateLimiter contract: ${name}`, () => {
    let limiter: RateLimiter;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ limiter, cleanup } = await open()));
    afterEach(async () => cleanup());

    const fixed: RateLimit = { limit: 3, periodMs: 60_000, technique: 'fixed' };
    const sliding: RateLimit = { limit: 3, periodMs: 1000, technique: 'sliding' };

    test('fixed: the limit per window aligned to the epoch; a refusal says when the window ends and does not count', async () => {
      const decisions = [];
      for (const at of [T + 10, T + 20, T + 30, T + 40, T + 50])
        decisions.push(await limiter.consume('k', fixed, at));
      assert.deepEqual(decisions, [
        { allowed: true, remaining: 2, retryAfterMs: 0 },
        { allowed: true, remaining: 1, retryAfterMs: 0 },
        { allowed: true, remaining: 0, retryAfterMs: 0 },
        { allowed: false, remaining: 0, retryAfterMs: 60_000 - 40 },
        { allowed: false, remaining: 0, retryAfterMs: 60_000 - 50 },
      ]);
      // The next window starts at the minute, not a minute after the first request.
      assert.deepEqual(await limiter.consume('k', fixed, T + 60_000), {
        allowed: true,
        remaining: 2,
        retryAfterMs: 0,
      });
    });

    test('sliding: no more than the limit in any trailing window; the oldest says when one frees', async () => {
      const decisions = [];
      for (const at of [T, T + 100, T + 200, T + 300])
        decisions.push(await limiter.consume('k', sliding, at));
      assert.deepEqual(decisions.at(-1), { allowed: false, remaining: 0, retryAfterMs: 700 });
      assert.deepEqual(
        decisions.slice(0, 3).map((d) => d.remaining),
        [2, 1, 0],
      );
      assert.deepEqual(await limiter.consume('k', sliding, T + 999), {
        allowed: false,
        remaining: 0,
        retryAfterMs: 1,
      });
      // At T + 1000 the request at T has left the window; the refused ones never counted.
      assert.deepEqual(await limiter.consume('k', sliding, T + 1000), {
        allowed: true,
        remaining: 0,
        retryAfterMs: 0,
      });
      assert.deepEqual(await limiter.consume('k', sliding, T + 1050), {
        allowed: false,
        remaining: 0,
        retryAfterMs: 50,
      });
    });

    test('keys and rules count apart', async () => {
      for (let n = 0; n < 3; n++) await limiter.consume('a', fixed, T + n);
      assert.equal((await limiter.consume('a', fixed, T + 5)).allowed, false);
      assert.equal((await limiter.consume('b', fixed, T + 5)).allowed, true);
      assert.equal((await limiter.consume('a', { ...fixed, limit: 4 }, T + 5)).allowed, true);
      assert.equal((await limiter.consume('a', sliding, T + 5)).allowed, true);
    });

    test('under concurrency exactly the limit passes', async () => {
      for (const rule of [
        { limit: 10, periodMs: 60_000, technique: 'fixed' as const },
        { limit: 10, periodMs: 60_000, technique: 'sliding' as const },
      ]) {
        const decisions = await Promise.all(
          Array.from({ length: 40 }, (_, n) => limiter.consume('c', rule, T + n)),
        );
        assert.equal(decisions.filter((decision) => decision.allowed).length, 10, rule.technique);
      }
    });
  });
}

describeRateLimiter('memory', async () => ({
  limiter: new MemoryRateLimiter(),
  cleanup: async () => undefined,
}));

describeRateLimiter('redis', async () => {
  const { redis, cleanup } = await openTestRedis();
  return { limiter: new RedisRateLimiter(redis), cleanup };
});

describeCacheStore('redis', async () => {
  const { redis, cleanup } = await openTestRedis();
  return { cache: new RedisCacheStore(redis), cleanup };
});

describe('redis', () => {
  test('two connections (two replicas) share one count', async () => {
    const { prefix, drop } = await freshRedisPrefix();
    const a = await RedisConnection.open({ url: TEST_REDIS_URL, prefix, logger: silentLogger });
    const b = await RedisConnection.open({ url: TEST_REDIS_URL, prefix, logger: silentLogger });
    try {
      const rule: RateLimit = { limit: 5, periodMs: 60_000, technique: 'sliding' };
      const [left, right] = [new RedisRateLimiter(a), new RedisRateLimiter(b)];
      const decisions = await Promise.all(
        Array.from({ length: 12 }, (_, n) => (n % 2 ? left : right).consume('shared', rule, T + n)),
      );
      assert.equal(decisions.filter((decision) => decision.allowed).length, 5);
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });

  test('Redis going away is a retryable 503 while it is gone, and is used again when it is back', async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const { prefix, drop } = await freshRedisPrefix();
    const redis = await RedisConnection.open({
      url: `redis://127.0.0.1:${proxy.port}`,
      prefix,
      logger: silentLogger,
    });
    const limiter = new RedisRateLimiter(redis);
    const rule: RateLimit = { limit: 5, periodMs: 60_000, technique: 'fixed' };
    try {
      assert.equal((await limiter.consume('k', rule, T)).allowed, true);
      await proxy.cut();
      await assert.rejects(
        limiter.consume('k', rule, T + 1),
        (error: unknown) =>
          error instanceof ApiError &&
          error.status === 503 &&
          error.code === 'store_unavailable' &&
          error.retryable,
      );
      await proxy.restore();
      let back = false;
      for (let attempt = 0; attempt < 100 && !back; attempt++) {
        back = await limiter.consume('k', rule, T + 2).then(
          (decision) => decision.remaining === 3,
          () => false,
        );
        if (!back) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(back, 'the limiter answered again once Redis was back, with the count it had');
    } finally {
      await redis.close();
      await proxy.close();
      await drop();
    }
  });

  test('PORTICO_REDIS_URL chooses Redis; a URL of another kind or an absent server is a clear error', async () => {
    assert.equal(await openRedisState({}, silentLogger), undefined);
    await assert.rejects(
      openRedisState({ PORTICO_REDIS_URL: 'http://x' }, silentLogger),
      /must be a redis:\/\//,
    );
    await assert.rejects(
      openRedisState({ PORTICO_REDIS_URL: 'redis://127.0.0.1:1' }, silentLogger),
      /Redis at PORTICO_REDIS_URL could not be reached/,
    );
    const { prefix, drop } = await freshRedisPrefix();
    const state = await openRedisState(
      { PORTICO_REDIS_URL: TEST_REDIS_URL, PORTICO_REDIS_PREFIX: prefix },
      silentLogger,
    );
    try {
      await state!.cache.set('k', { model: 'm', events: [] }, Date.now() + 60_000);
    } finally {
      await state!.close();
    }
    const check = await RedisConnection.open({ url: TEST_REDIS_URL, prefix: '', logger: silentLogger });
    assert.equal(await check.client.exists(`${prefix}cache:k`), 1);
    await check.close();
    await drop();
  });
});
