// The PostgreSQL run needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../src/store/batch-store.ts';
import type { StoreUnderTest } from './store-contract.ts';
import { postgresUnderTest } from './support/postgres-under-test.ts';
import { sqliteUnderTest } from './support/sqlite-under-test.ts';

const BATCH: Batch = {
  id: 'batch_1',
  owner: 'alpha',
  model: 'test/echo',
  entries: [
    { responseId: 'resp_a', shape: 'text', externalReference: null },
    { responseId: 'resp_b', shape: 'responses', externalReference: 'ref-b' },
  ],
  createdAt: 1_767_225_600_000,
};

for (const [backend, open] of [
  ['sqlite', sqliteUnderTest],
  ['postgres', postgresUnderTest],
] as const)
  test(`${backend}: a batch is kept as written, for its owner only, across a reopen`, async () => {
    const under: StoreUnderTest = await open();
    try {
      await under.stores.batches.create(BATCH);
      assert.deepEqual(await under.stores.batches.get(BATCH.id, 'alpha'), BATCH);
      assert.equal(await under.stores.batches.get(BATCH.id, 'beta'), undefined);
      assert.equal(await under.stores.batches.get('batch_2', 'alpha'), undefined);
      await under.stores.close();
      const reopened = await under.reopen!();
      assert.deepEqual(await reopened.batches.get(BATCH.id, 'alpha'), BATCH);
    } finally {
      await under.cleanup();
    }
  });
