// The PostgreSQL run needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { describeBackgroundStore } from './background-store-contract.ts';
import { postgresUnderTest } from './support/postgres-under-test.ts';
import { sqliteUnderTest } from './support/sqlite-under-test.ts';
import { responseFixture } from './support/store-fixtures.ts';

describeBackgroundStore('sqlite', sqliteUnderTest);
describeBackgroundStore('postgres', postgresUnderTest);

test('two connections to one SQLite file never claim the same run', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portico-claims-'));
  const one = openSqliteStores({ dataDir });
  const two = openSqliteStores({ dataDir });
  try {
    for (let n = 0; n < 40; n++) {
      const response = responseFixture(`resp_${n}`, { status: 'queued', background: true });
      const run = { responseId: response.id, owner: 'p', model: 'm', request: {} };
      await one.background.enqueue(response, [], run, []);
    }
    const claimed: string[] = [];
    const claimAll = async (stores: typeof one, instance: string) => {
      for (;;) {
        const run = await stores.background.claim(instance, [], 0, 60_000);
        if (!run) return;
        claimed.push(run.responseId);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all([claimAll(one, 'i1'), claimAll(two, 'i2')]);
    assert.equal(claimed.length, 40);
    assert.equal(new Set(claimed).size, 40);
  } finally {
    await one.close();
    await two.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
