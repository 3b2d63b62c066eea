// Needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL); each test uses a schema of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api/errors.ts';
import { migratePostgres, readPostgresVersion } from '../src/store/postgres-migrations.ts';
import { PostgresDatabase } from '../src/store/postgres-connection.ts';
import { POSTGRES_RESPONSE_MIGRATIONS as MIGRATIONS } from '../src/store/postgres-response-migrations.ts';
import { openPostgresStores } from '../src/store/postgres-stores.ts';
import { openStores } from '../src/store/open-stores.ts';
import { silentLogger } from '../src/logger.ts';
import { describeResponseStore } from './store-contract.ts';
import { describeCacheStore } from './cache-store-contract.ts';
import { describeGatewayStores } from './gateway-store-contract.ts';
import { describeLogAnalytics } from './log-analytics-contract.ts';
import { admin, freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { postgresUnderTest } from './support/postgres-under-test.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';
import { assistantItem, completedFixture, responseFixture, userItem } from './support/store-fixtures.ts';

const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

describeResponseStore('postgres', postgresUnderTest);

/** Fresh postgres stores for each contract test, and how to remove them. */
const postgresStores = async () => {
  const { schema, drop } = await freshSchema();
  const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
  return {
    stores,
    cleanup: async () => {
      await stores.close();
      await drop();
    },
  };
};

describeGatewayStores('postgres', postgresStores);
describeLogAnalytics('postgres', postgresStores);

describeCacheStore('postgres', async () => {
  const { schema, drop } = await freshSchema();
  const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
  return {
    cache: stores.cache,
    cleanup: async () => {
      await stores.close();
      await drop();
    },
  };
});

describe('postgres store', () => {
  let schema: string;
  let drop: () => Promise<void>;
  before(async () => {
    ({ schema, drop } = await freshSchema());
  });
  after(async () => {
    await drop();
  });

  async function database(name: string): Promise<PostgresDatabase> {
    return PostgresDatabase.open({
      url: TEST_DATABASE_URL,
      schema: `${schema}_${name}`,
      logger: silentLogger,
    });
  }

  test('migrations are numbered 1, 2, ... and replicas starting together apply each step once', async () => {
    assert.deepEqual(
      MIGRATIONS.map((migration) => migration.version),
      MIGRATIONS.map((_, index) => index + 1),
    );
    const db = await database('race');
    const log = {
      version: 1,
      description: 'a log',
      sql: 'CREATE TABLE log (x INTEGER); INSERT INTO log VALUES (1);',
    };
    try {
      const reached = await Promise.all(
        Array.from({ length: 4 }, () => migratePostgres(db.pool, 'race', [log])),
      );
      assert.deepEqual(reached, [1, 1, 1, 1]);
      assert.deepEqual((await db.pool.query('SELECT count(*)::int AS n FROM log')).rows, [{ n: 1 }]);
    } finally {
      await db.close();
      await admin(`DROP SCHEMA ${schema}_race CASCADE`);
    }
  });

  test('replicas opening a new schema at the same moment all open it', async () => {
    // Tried a few times: the race in PostgreSQL's CREATE SCHEMA IF NOT EXISTS is a narrow one.
    for (let round = 0; round < 5; round++) {
      const name = `${schema}_opened_${round}`;
      try {
        const opened = await Promise.all(
          Array.from({ length: 6 }, () =>
            PostgresDatabase.open({ url: TEST_DATABASE_URL, schema: name, logger: silentLogger }),
          ),
        );
        await Promise.all(opened.map((db) => db.close()));
      } finally {
        await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      }
    }
  });

  test('each step is one transaction: a failing step leaves the version before it', async () => {
    const db = await database('steps');
    try {
      const first = { version: 1, description: 'a', sql: 'CREATE TABLE a (x INTEGER);' };
      const broken = { version: 2, description: 'b', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE (' };
      assert.equal(await migratePostgres(db.pool, 'test', [first]), 1);
      await assert.rejects(migratePostgres(db.pool, 'test', [first, broken]));
      assert.equal(await readPostgresVersion(db.pool, 'test'), 1);
      const tables = async () =>
        (
          await db.pool.query(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY 1`,
          )
        ).rows;
      assert.deepEqual(await tables(), [{ table_name: 'a' }]);
      const fixed = { version: 2, description: 'b', sql: 'CREATE TABLE b (x INTEGER);' };
      assert.equal(await migratePostgres(db.pool, 'test', [first, fixed]), 2);
      assert.deepEqual(await tables(), [{ table_name: 'a' }, { table_name: 'b' }]);
      const other = [{ version: 1, description: 'c', sql: 'CREATE TABLE c (x INTEGER);' }];
      assert.equal(await migratePostgres(db.pool, 'other', other), 1);
      assert.equal(await readPostgresVersion(db.pool, 'test'), 2);
    } finally {
      await db.close();
      await admin(`DROP SCHEMA ${schema}_steps CASCADE`);
    }
  });

  test("after the upgrade to version 5, earlier responses' output items are found by id", async () => {
    const db = await database('items');
    try {
      await migratePostgres(db.pool, 'responses', MIGRATIONS.slice(0, 4));
      const done = completedFixture(responseFixture('resp_old'), [assistantItem('a_old', 'kept')]);
      await db.pool.query(
        `INSERT INTO responses (id, owner, status, created_at, updated_at, response_json) VALUES ('resp_old', 'default', 'completed', 1, 1, $1)`,
        [JSON.stringify(done)],
      );
    } finally {
      await db.close();
    }
    const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema: `${schema}_items` });
    try {
      const found = await stores.responses.items(['a_old'], 'default');
      assert.deepEqual(found.get('a_old'), assistantItem('a_old', 'kept'));
    } finally {
      await stores.close();
      await admin(`DROP SCHEMA ${schema}_items CASCADE`);
    }
  });

  test('tables from a newer Portico are refused and left as they were', async () => {
    const newer = `${schema}_newer`;
    await (await openPostgresStores({ url: TEST_DATABASE_URL, schema: newer })).close();
    await admin(`UPDATE ${newer}.schema_migrations SET version = $1 WHERE component = 'responses'`, [
      LATEST + 1,
    ]);
    await assert.rejects(
      openPostgresStores({ url: TEST_DATABASE_URL, schema: newer }),
      (error: unknown) =>
        error instanceof ApiError &&
        error.code === 'store_version_unsupported' &&
        error.message.includes(`responses schema version ${LATEST + 1}`),
    );
    const { rows } = await admin(
      `SELECT version FROM ${newer}.schema_migrations WHERE component = 'responses'`,
    );
    assert.deepEqual(rows, [{ version: LATEST + 1 }]);
    await admin(`DROP SCHEMA ${newer} CASCADE`);
  });

  test('PORTICO_DATABASE_URL chooses PostgreSQL; without it the stores are SQLite', async () => {
    const env = { PORTICO_DATABASE_URL: TEST_DATABASE_URL, PORTICO_DATABASE_SCHEMA: `${schema}_env` };
    const stores = await openStores({ env, clock: Date.now, logger: silentLogger });
    await stores.responses.begin(responseFixture('resp_env'), [userItem('u1', 'x')], 'owner');
    await stores.close();
    const { rows } = await admin(`SELECT id FROM ${schema}_env.responses`);
    assert.deepEqual(rows, [{ id: 'resp_env' }]);
    await admin(`DROP SCHEMA ${schema}_env CASCADE`);
    await assert.rejects(
      openStores({ env: { PORTICO_DATABASE_URL: 'mysql://x' }, clock: Date.now, logger: silentLogger }),
      /PORTICO_DATABASE_URL must be a postgres/,
    );
  });

  test('a database that goes away is a retryable 503 while it is gone, and is used again when it is back', async () => {
    const target = new URL(TEST_DATABASE_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const url = new URL(TEST_DATABASE_URL);
    url.port = String(proxy.port);
    const stores = await openPostgresStores({ url: url.href, schema: `${schema}_down` });
    try {
      await stores.responses.begin(responseFixture('resp_before'), [], 'owner');
      await proxy.cut();
      const unavailable = (error: unknown) =>
        error instanceof ApiError &&
        error.status === 503 &&
        error.code === 'store_unavailable' &&
        error.retryable;
      await assert.rejects(stores.responses.get('resp_before', 'owner'), unavailable);
      await assert.rejects(stores.responses.begin(responseFixture('resp_during'), [], 'owner'), unavailable);
      await proxy.restore();
      assert.equal((await stores.responses.get('resp_before', 'owner'))?.id, 'resp_before');
      assert.equal(await stores.responses.get('resp_during', 'owner'), undefined);
    } finally {
      await stores.close();
      await proxy.close();
      await admin(`DROP SCHEMA IF EXISTS ${schema}_down CASCADE`);
    }
  });
});
