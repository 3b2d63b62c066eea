import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CacheStore } from '../src/store/cache-store.ts';
import { answerFixture } from './support/gateway-fixtures.ts';

/** The behaviour every cache backend owes, at real times (Redis expires entries by its own clock). */
export function describeCacheStore(
  name: string,
  open: () => Promise<{ cache: CacheStore; cleanup: () => Promise<void> }>,
): void {
  describe(`CacheStore contract: ${name}`, () => {
    let cache: CacheStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ cache, cleanup } = await open()));
    afterEach(async () => cleanup());

    test('an answer is returned until it expires, never after', async () => {
      const now = Date.now();
      await cache.set('k1', answerFixture('one'), now + 60_000);
      assert.deepEqual(await cache.get('k1', now), answerFixture('one'));
      assert.deepEqual(await cache.get('k1', now + 59_999), answerFixture('one'));
      assert.equal(await cache.get('k1', now + 60_000), undefined);
      assert.equal(await cache.get('k_unknown', now), undefined);
    });

    test('set replaces an answer and its expiry', async () => {
      const now = Date.now();
      await cache.set('k1', answerFixture('one'), now + 60_000);
      await cache.set('k1', answerFixture('two'), now + 120_000);
      assert.deepEqual(await cache.get('k1', now + 90_000), answerFixture('two'));
    });

    test('an entry already expired is never returned; prune leaves live ones', async () => {
      const now = Date.now();
      await cache.set('k_gone', answerFixture('gone'), now - 1);
      await cache.set('k_live', answerFixture('live'), now + 60_000);
      assert.equal(await cache.get('k_gone', now), undefined);
      assert.ok((await cache.prune(now)) <= 1);
      assert.equal(await cache.get('k_gone', now), undefined);
      assert.deepEqual(await cache.get('k_live', now), answerFixture('live'));
    });

    test('an answer expires in the backend itself: after its time, even a lookup with an old clock misses', async () => {
      const now = Date.now();
      await cache.set('k_short', answerFixture('short'), now + 150);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await cache.prune(Date.now());
      assert.equal(await cache.get('k_short', now), undefined);
    });
  });
}
