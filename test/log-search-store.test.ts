// The PostgreSQL half needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { logColumnValues, logBodiesJson, LOG_COLUMNS } from '../src/store/log-rows.ts';
import { searchTerms } from '../src/api/log-search-words.ts';
import type { LogEntry, LogStore } from '../src/store/log-store.ts';
import { migratePostgres } from '../src/store/postgres-migrations.ts';
import { POSTGRES_GATEWAY_MIGRATIONS } from '../src/store/postgres-gateway-migrations.ts';
import { openPostgresStores } from '../src/store/postgres-stores.ts';
import { openSqliteDatabase } from '../src/store/sqlite-connection.ts';
import { migrate } from '../src/store/sqlite-migrations.ts';
import { SQLITE_LOG_MIGRATIONS } from '../src/store/sqlite-log-store.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { describeLogSearch, searchFixtures } from './log-search-contract.ts';
import { freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { logFixture } from './support/gateway-fixtures.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'portico-log-search-'));
}

describeLogSearch('sqlite', async () => {
  const dataDir = await tempDir();
  const stores = openSqliteStores({ dataDir });
  return {
    logs: stores.logs,
    cleanup: async () => {
      await stores.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describeLogSearch('postgres', async () => {
  const { schema, drop } = await freshSchema();
  const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
  return {
    logs: stores.logs,
    cleanup: async () => {
      await stores.close();
      await drop();
    },
  };
});

test('sqlite: a search most entries match reads along the time index, and answers the same', async () => {
  const dataDir = await tempDir();
  const stores = openSqliteStores({ dataDir });
  const entries = Array.from({ length: 2_100 }, (_, n) =>
    logFixture(`log_${String(n).padStart(4, '0')}`, {
      createdAt: 1_767_225_600_000 + n,
      requestBody: { input: n % 700 === 0 ? 'harbour lamp' : 'harbour' },
    }),
  );
  await stores.logs.insert(entries);
  const page = await stores.logs.query(
    { search: ['harbour'], project: 'alpha' },
    { limit: 3, order: 'desc' },
  );
  assert.deepEqual(
    page.data.map((entry) => entry.id),
    ['log_2099', 'log_2098', 'log_2097'],
  );
  assert.equal(page.hasMore, true);
  assert.equal(await stores.logs.count({ search: ['harbour'] }), 2_100);
  assert.equal(
    await stores.logs.count({ search: ['harbour', 'lamp'] }),
    3,
    'few matches: looked up by rowid',
  );
  await stores.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** What the previous schema held is found by the words the new one indexes. */
async function assertBackfilled(logs: LogStore): Promise<void> {
  const search = async (text: string) =>
    (await logs.query({ search: searchTerms(text) }, { limit: 10, order: 'asc' })).data.map((e) => e.id);
  assert.deepEqual(await search('zanzibar'), ['log_a'], 'request body strings, not a data URL');
  assert.deepEqual(await search('spice'), ['log_a'], 'response body strings');
  assert.deepEqual(await search('research'), ['log_a', 'log_d'], 'metadata');
  assert.deepEqual(await search('quota'), ['log_c'], 'the error');
  assert.deepEqual(await search('stories260k'), ['log_b'], 'the model');
  assert.deepEqual(await search('checkout'), ['log_d'], 'the event id');
  assert.deepEqual(await search('gpt 5.4'), ['log_a', 'log_d', 'log_e']);
}

const rowsOf = (entries: LogEntry[]) =>
  entries.map((entry) => ({ entry, bodies: logBodiesJson(entry) ?? null }));

describe('log search migration from schema version 1', () => {
  test('sqlite: earlier logs are indexed, and deleting a log removes its words', async () => {
    const dataDir = await tempDir();
    const db = openSqliteDatabase(dataDir);
    migrate(db, 'logs', SQLITE_LOG_MIGRATIONS.slice(0, 1));
    const insert = db.prepare(
      `INSERT INTO logs (${LOG_COLUMNS}) VALUES (${LOG_COLUMNS.split(',').map(() => '?')})`,
    );
    const bodies = db.prepare(`INSERT INTO log_bodies (log_id, bodies_json) VALUES (?, ?)`);
    for (const { entry, bodies: json } of rowsOf(searchFixtures())) {
      insert.run(logColumnValues(entry, (success) => (success ? 1 : 0)));
      if (json) bodies.run(entry.id, json);
    }
    db.close();
    const stores = openSqliteStores({ dataDir });
    await assertBackfilled(stores.logs);
    assert.equal(await stores.logs.prune(Number.MAX_SAFE_INTEGER), 5);
    const raw = openSqliteDatabase(dataDir);
    assert.deepEqual(raw.prepare(`SELECT count(*) AS n FROM log_search`).get(), { n: 0 });
    raw.close();
    await stores.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('postgres: earlier logs are indexed', async () => {
    const { schema, drop } = await freshSchema();
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
    try {
      await migratePostgres(pool, 'logs', POSTGRES_GATEWAY_MIGRATIONS.logs.slice(0, 1));
      for (const { entry, bodies } of rowsOf(searchFixtures())) {
        const values = logColumnValues(entry, (success) => success);
        await pool.query(
          `INSERT INTO logs (${LOG_COLUMNS}) VALUES (${values.map((_, n) => `$${n + 1}`).join(', ')})`,
          values,
        );
        if (bodies)
          await pool.query(`INSERT INTO log_bodies (log_id, bodies_json) VALUES ($1, $2)`, [
            entry.id,
            bodies,
          ]);
      }
      const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
      await assertBackfilled(stores.logs);
      await stores.close();
    } finally {
      await pool.end();
      await drop();
    }
  });
});
