// The PostgreSQL half needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresStores } from '../src/store/postgres-stores.ts';
import { openSqliteDatabase } from '../src/store/sqlite-connection.ts';
import { migrate } from '../src/store/sqlite-migrations.ts';
import { SQLITE_LOG_MIGRATIONS } from '../src/store/sqlite-log-store.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { LOG_COLUMNS, logColumnValues } from '../src/store/log-rows.ts';
import { migratePostgres } from '../src/store/postgres-migrations.ts';
import { POSTGRES_GATEWAY_MIGRATIONS } from '../src/store/postgres-gateway-migrations.ts';
import { describeLogLimit } from './log-limit-contract.ts';
import { freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { logFixture } from './support/gateway-fixtures.ts';

describeLogLimit('sqlite', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portico-log-limit-'));
  // Two handles on one file, as `portico serve --workers 2` opens it.
  const stores = openSqliteStores({ dataDir });
  const other = openSqliteStores({ dataDir });
  const raw = openSqliteDatabase(dataDir);
  return {
    logs: stores.logs,
    other: other.logs,
    rows: async () =>
      raw
        .prepare(
          `SELECT (SELECT count(*) FROM logs) AS logs, (SELECT count(*) FROM log_bodies) AS bodies,
             (SELECT count(*) FROM log_search) AS search`,
        )
        .get() as { logs: number; bodies: number; search: number },
    cleanup: async () => {
      raw.close();
      await other.close();
      await stores.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describeLogLimit('postgres', async () => {
  const { schema, drop } = await freshSchema();
  // Two replicas on one database.
  const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
  const other = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  return {
    logs: stores.logs,
    other: other.logs,
    rows: async () => {
      const { rows } = await pool.query<{ logs: number; bodies: number; search: number }>(
        `SELECT (SELECT count(*) FROM logs)::int AS logs, (SELECT count(*) FROM log_bodies)::int AS bodies,
           (SELECT count(*) FROM logs WHERE search IS NOT NULL)::int AS search`,
      );
      return rows[0]!;
    },
    cleanup: async () => {
      await pool.end();
      await other.close();
      await stores.close();
      await drop();
    },
  };
});

const earlier = [
  logFixture('log_a', { gateway: 'capped' }),
  logFixture('log_b', { gateway: 'capped', createdAt: 1_767_225_600_001 }),
  logFixture('log_c', { gateway: 'other' }),
];
const capTwo = { maxLogs: 2, strategy: 'stop_inserting' } as const;

test('sqlite: logs written before counts existed are counted by the migration', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portico-log-limit-'));
  const db = openSqliteDatabase(dataDir);
  migrate(db, 'logs', SQLITE_LOG_MIGRATIONS.slice(0, 2));
  const insert = db.prepare(
    `INSERT INTO logs (${LOG_COLUMNS}) VALUES (${LOG_COLUMNS.split(',').map(() => '?')})`,
  );
  for (const entry of earlier) insert.run(logColumnValues(entry, (success) => (success ? 1 : 0)));
  db.close();
  const stores = openSqliteStores({ dataDir });
  await stores.logs.insert([logFixture('log_d', { gateway: 'capped', logLimit: capTwo })]);
  assert.equal(await stores.logs.get('log_d'), undefined, 'the gateway already held two');
  assert.equal(await stores.logs.trim('other', 0), 1);
  await stores.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('postgres: logs written before counts existed are counted by the migration', async () => {
  const { schema, drop } = await freshSchema();
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  try {
    await migratePostgres(pool, 'logs', POSTGRES_GATEWAY_MIGRATIONS.logs.slice(0, 2));
    for (const entry of earlier) {
      const values = logColumnValues(entry, (success) => success);
      await pool.query(
        `INSERT INTO logs (${LOG_COLUMNS}) VALUES (${values.map((_, n) => `$${n + 1}`).join(', ')})`,
        values,
      );
    }
    const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
    await stores.logs.insert([logFixture('log_d', { gateway: 'capped', logLimit: capTwo })]);
    assert.equal(await stores.logs.get('log_d'), undefined, 'the gateway already held two');
    assert.equal(await stores.logs.trim('other', 0), 1);
    await stores.close();
  } finally {
    await pool.end();
    await drop();
  }
});
