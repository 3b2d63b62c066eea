import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashApiKey, newApiKey } from '../src/gateway/api-keys.ts';
import { CachedKeyStore, KEY_CACHE_MS } from '../src/store/cached-key-store.ts';
import type { KeyRecord } from '../src/store/key-store.ts';
import type { StoreUnderTest } from './store-contract.ts';
import { sqliteUnderTest } from './support/sqlite-under-test.ts';

function record(id: string): KeyRecord {
  return {
    id,
    project: 'default',
    name: id,
    hint: 'ptk_…',
    scopes: {},
    expiresAt: null,
    budget: null,
    rateLimit: null,
    defaultGateway: null,
    createdAt: 1,
    revokedAt: null,
  };
}

describe('CachedKeyStore', () => {
  let db: StoreUnderTest;
  let clock = 0;
  const now = () => clock;
  before(async () => (db = await sqliteUnderTest()));
  after(() => db.cleanup());

  test('a change through the same store is seen at once; one made elsewhere within KEY_CACHE_MS', async () => {
    // Two processes on one database, each with its own cache.
    const here = new CachedKeyStore(db.stores.keys, now);
    const elsewhere = new CachedKeyStore((await db.reopen!()).keys, now);
    assert.equal(await here.anyActive(), false);
    assert.equal(await elsewhere.anyActive(), false);

    const key = newApiKey();
    assert.equal(await elsewhere.findByHash(hashApiKey(key)), undefined);
    await here.insert(record('key_a'), hashApiKey(key));
    assert.equal(await here.anyActive(), true);
    assert.equal((await here.findByHash(hashApiKey(key)))?.id, 'key_a');
    assert.equal(await elsewhere.findByHash(hashApiKey(key)), undefined, 'remembered as unknown');
    assert.equal(await elsewhere.anyActive(), false);

    clock += KEY_CACHE_MS;
    assert.equal((await elsewhere.findByHash(hashApiKey(key)))?.id, 'key_a');
    assert.equal(await elsewhere.anyActive(), true);

    await here.revoke('key_a', clock);
    assert.equal((await here.findByHash(hashApiKey(key)))?.revokedAt, clock);
    assert.equal(await here.anyActive(), false);
    assert.equal((await elsewhere.findByHash(hashApiKey(key)))?.revokedAt, null, 'still cached');
    clock += KEY_CACHE_MS;
    assert.equal((await elsewhere.findByHash(hashApiKey(key)))?.revokedAt, clock - KEY_CACHE_MS);
  });

  test('an update is seen at once through the same store', async () => {
    const keys = new CachedKeyStore(db.stores.keys, now);
    const key = newApiKey();
    await keys.insert(record('key_b'), hashApiKey(key));
    assert.equal((await keys.findByHash(hashApiKey(key)))?.name, 'key_b');
    await keys.update('key_b', { name: 'renamed' });
    assert.equal((await keys.findByHash(hashApiKey(key)))?.name, 'renamed');
  });
});
