import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Sqlite from 'better-sqlite3';
import { ApiError } from '../src/api/errors.ts';
import { DATABASE_FILE, openSqliteDatabase } from '../src/store/sqlite-connection.ts';
import { RESPONSE_MIGRATIONS as MIGRATIONS } from '../src/store/response-migrations.ts';
import { migrate, readVersion } from '../src/store/sqlite-migrations.ts';
import { INSTANCE_MIGRATIONS } from '../src/store/instance-migrations.ts';
import { prepareStatements } from '../src/store/sqlite-statements.ts';
import { INTERRUPTED_ERROR } from '../src/store/sqlite-store.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { PRUNE_ROWS_PER_WRITE, SqliteGroupCommit, walFile } from '../src/store/sqlite-group-commit.ts';
import { SqliteLogStore } from '../src/store/sqlite-log-store.ts';
import { seedLogs } from './support/seed-logs.ts';
import { withTurns } from './support/event-loop-turns.ts';
import { describeResponseStore } from './store-contract.ts';
import { describeCacheStore } from './cache-store-contract.ts';
import { describeGatewayStores } from './gateway-store-contract.ts';
import { describeLogAnalytics } from './log-analytics-contract.ts';
import { sqliteUnderTest } from './support/sqlite-under-test.ts';
import { assistantItem, completedFixture, responseFixture, userItem } from './support/store-fixtures.ts';

const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'portico-sqlite-'));
}

describeResponseStore('sqlite', sqliteUnderTest);

/** Fresh sqlite stores for each contract test, and how to remove them. */
const sqliteStores = async () => {
  const dataDir = await tempDir();
  const stores = openSqliteStores({ dataDir });
  return {
    stores,
    cleanup: async () => {
      await stores.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

describeGatewayStores('sqlite', sqliteStores);
describeLogAnalytics('sqlite', sqliteStores);

describeCacheStore('sqlite', async () => {
  const dataDir = await tempDir();
  const stores = openSqliteStores({ dataDir });
  return {
    cache: stores.cache,
    cleanup: async () => {
      await stores.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describe('sqlite store', () => {
  let root: string;
  before(async () => {
    root = await tempDir();
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('creates the data folder and portico.db inside it', async () => {
    const dataDir = join(root, 'nested', 'data', 'dir');
    await openSqliteStores({ dataDir }).close();
    assert.ok(existsSync(join(dataDir, DATABASE_FILE)));
  });

  test('the connection runs in WAL mode, synchronous FULL, with foreign keys and a busy timeout', () => {
    const db = openSqliteDatabase(join(root, 'pragmas'));
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2); // 2 = FULL
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
    } finally {
      db.close();
    }
  });

  test('migrations are numbered 1, 2, ... and the version reached is recorded', async () => {
    assert.deepEqual(
      MIGRATIONS.map((migration) => migration.version),
      MIGRATIONS.map((_, index) => index + 1),
    );
    const dataDir = join(root, 'version');
    await openSqliteStores({ dataDir }).close();
    const db = new Sqlite(join(dataDir, DATABASE_FILE), { readonly: true });
    assert.equal(readVersion(db, 'responses'), LATEST);
    db.close();
    // Opening again applies nothing and keeps the data.
    const stores = openSqliteStores({ dataDir });
    await stores.responses.begin(responseFixture('resp_1'), [], 'owner');
    await stores.close();
    const again = openSqliteStores({ dataDir });
    assert.equal((await again.responses.get('resp_1', 'owner'))?.id, 'resp_1');
    await again.close();
  });

  test('a database from before per-component versions is adopted, and keyless data joins the default project', async () => {
    const dataDir = join(root, 'legacy');
    mkdirSync(dataDir);
    const raw = new Sqlite(join(dataDir, DATABASE_FILE));
    raw.exec(MIGRATIONS[0]!.sql);
    raw
      .prepare(
        `INSERT INTO responses (id, owner, status, created_at, updated_at, response_json) VALUES ('resp_old', 'anonymous', 'completed', 1, 1, ?)`,
      )
      .run(JSON.stringify(responseFixture('resp_old', { status: 'completed' })));
    raw.pragma('user_version = 1');
    raw.close();
    const stores = openSqliteStores({ dataDir });
    assert.equal((await stores.responses.get('resp_old', 'default'))?.id, 'resp_old');
    await stores.close();
  });

  test("after the upgrade to version 6, earlier responses' output items are found by id", async () => {
    const dataDir = join(root, 'before-item-ids');
    const db = openSqliteDatabase(dataDir);
    migrate(db, 'responses', MIGRATIONS.slice(0, 5));
    const done = completedFixture(responseFixture('resp_old'), [assistantItem('a_old', 'kept')]);
    db.prepare(
      `INSERT INTO responses (id, owner, status, created_at, updated_at, response_json) VALUES ('resp_old', 'default', 'completed', 1, 1, ?)`,
    ).run(JSON.stringify(done));
    db.close();
    const stores = openSqliteStores({ dataDir });
    assert.deepEqual(
      (await stores.responses.items(['a_old'], 'default')).get('a_old'),
      assistantItem('a_old', 'kept'),
    );
    await stores.close();
  });

  test('a database from a newer Portico is refused and left as it was', async () => {
    const dataDir = join(root, 'newer');
    await openSqliteStores({ dataDir }).close();
    const file = join(dataDir, DATABASE_FILE);
    const raw = new Sqlite(file);
    raw.prepare(`UPDATE schema_migrations SET version = ? WHERE component = 'responses'`).run(LATEST + 1);
    raw.close();
    assert.throws(
      () => openSqliteStores({ dataDir }),
      (error: unknown) =>
        error instanceof ApiError &&
        error.code === 'store_version_unsupported' &&
        error.message.includes(`responses schema version ${LATEST + 1}`) &&
        error.message.includes('newer Portico'),
    );
    const check = new Sqlite(file, { readonly: true });
    assert.equal(readVersion(check, 'responses'), LATEST + 1);
    check.close();
  });

  test('each migration step is one transaction: a failing step leaves the version before it', () => {
    const db = new Sqlite(':memory:');
    const first = { version: 1, description: 'a', sql: 'CREATE TABLE a (x INTEGER);' };
    assert.equal(migrate(db, 'test', [first]), 1);
    const broken = { version: 2, description: 'b', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE (' };
    assert.throws(() => migrate(db, 'test', [first, broken]));
    assert.equal(readVersion(db, 'test'), 1);
    const tables = () =>
      db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_migrations' ORDER BY name`,
        )
        .all();
    assert.deepEqual(tables(), [{ name: 'a' }]);
    const fixed = { version: 2, description: 'b', sql: 'CREATE TABLE b (x INTEGER);' };
    assert.equal(migrate(db, 'test', [first, fixed]), 2);
    assert.deepEqual(tables(), [{ name: 'a' }, { name: 'b' }]);
    // Components keep their own versions side by side.
    assert.equal(
      migrate(db, 'other', [{ version: 1, description: 'c', sql: 'CREATE TABLE c (x INTEGER);' }]),
      1,
    );
    assert.equal(readVersion(db, 'test'), 2);
    db.close();
  });

  test('a new file opens while another process holds its write lock (workers starting at once)', async () => {
    const dataDir = join(root, 'opening-together');
    mkdirSync(dataDir);
    // Another worker, first to the new file, writes its tables and holds the write lock a while.
    const other = spawn(
      process.execPath,
      [
        '-e',
        `const Sqlite = require('better-sqlite3');
         const db = new Sqlite(${JSON.stringify(join(dataDir, DATABASE_FILE))});
         db.exec('BEGIN IMMEDIATE; CREATE TABLE t (a)');
         process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => other.stdout!.once('data', resolve));
    // Switching to WAL is refused at once while the lock is held ("database is locked"): it waits.
    const db = openSqliteDatabase(dataDir);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    await new Promise((resolve) => other.once('exit', resolve));
  });

  test('no statement scans a whole table', () => {
    const db = openSqliteDatabase(join(root, 'plans'));
    migrate(db, 'instances', INSTANCE_MIGRATIONS);
    migrate(db, 'responses', MIGRATIONS);
    const scans: string[] = [];
    for (const [name, statement] of Object.entries(prepareStatements(db))) {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${statement.source}`)
        .all(...nullParameters(statement.source));
      for (const step of plan as { detail: string }[]) {
        if (/^SCAN (responses|items|instances|r)\b/.test(step.detail)) scans.push(`${name}: ${step.detail}`);
      }
    }
    db.close();
    assert.deepEqual(scans, []);
  });

  test('updated_at follows the injected clock', async () => {
    const dataDir = join(root, 'clock');
    let now = 1000;
    const stores = openSqliteStores({ dataDir, clock: () => now });
    const store = stores.responses;
    const started = responseFixture('resp_1');
    const updatedAt = (): unknown => {
      const db = new Sqlite(join(dataDir, DATABASE_FILE), { readonly: true });
      const row = db.prepare(`SELECT updated_at FROM responses WHERE id = 'resp_1'`).get();
      db.close();
      return row;
    };
    await store.begin(started, [userItem('u1', 'x')], 'owner');
    assert.deepEqual(updatedAt(), { updated_at: 1000 });
    now = 2000;
    await store.finish(completedFixture(started, [assistantItem('a1', 'y')]), 'owner');
    assert.deepEqual(updatedAt(), { updated_at: 2000 });
    await stores.close();
  });

  test('a response begun just before the process is killed survives, then is marked failed', async () => {
    const dataDir = join(root, 'crash');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-writer.ts', dataDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    assert.deepEqual({ code, signal, stderr }, { code: null, signal: 'SIGKILL', stderr: '' });

    const stores = openSqliteStores({ dataDir });
    const store = stores.responses;
    const found = await store.get('resp_crash', 'key_crash');
    assert.equal(found?.status, 'in_progress');
    assert.deepEqual(
      (await store.history('resp_crash', 'key_crash'))?.map((item) => item.id),
      ['u_crash'],
    );
    assert.equal(await store.recoverInterrupted(), 1);
    const recovered = await store.get('resp_crash', 'key_crash');
    assert.deepEqual(recovered, { ...found, status: 'failed', error: INTERRUPTED_ERROR });
    const db = new Sqlite(join(dataDir, DATABASE_FILE), { readonly: true });
    assert.deepEqual(db.prepare(`SELECT status FROM responses`).all(), [{ status: 'failed' }]);
    db.close();
    await stores.close();
  });
});

/** Binds every parameter of a statement to null, enough for EXPLAIN QUERY PLAN. */
function nullParameters(source: string): unknown[] {
  const names = [...source.matchAll(/:([a-z_]+)/g)].map((match) => match[1] as string);
  if (names.length > 0) return [Object.fromEntries(names.map((name) => [name, null]))];
  return [...source.matchAll(/\?/g)].map(() => null);
}

describe('sqlite logs and cache, read and pruned a part at a time', () => {
  test('read in slices, with the event loop turning between them, they answer as one statement does', async () => {
    const dataDir = await tempDir();
    const stores = openSqliteStores({ dataDir });
    const now = Date.UTC(2026, 10, 30);
    await seedLogs(stores.logs, 2000, now);
    // A second store on the same file: the same rows, read ~100 at a time.
    const db = openSqliteDatabase(dataDir);
    const commits = new SqliteGroupCommit(db, walFile(join(dataDir, DATABASE_FILE)));
    const sliced = new SqliteLogStore(db, commits, 97);
    const queries = [
      { bucketMs: 3_600_000, groupBy: 'model' as const },
      { bucketMs: 0, from: now - 86_400_000, to: now, groupBy: 'gateway' as const },
      { bucketMs: 600_000, from: now - 7_200_000, success: false },
      { bucketMs: 3_600_000, project: 'nobody' },
      { bucketMs: 0, groupBy: 'metadata.user' as const },
      { bucketMs: 3_600_000, groupBy: 'prompt_version' as const },
    ];
    for (const query of queries) {
      const { value: rows, turns } = await withTurns(() => sliced.analytics(query));
      assert.deepEqual(rows, await stores.logs.analytics(query));
      if (rows.length > 0) assert.ok(turns > 0, 'the event loop ran between slices');
    }
    await commits.close();
    db.close();
    await stores.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a prune deletes in batches, with the event loop turning between them', async () => {
    const dataDir = await tempDir();
    const stores = openSqliteStores({ dataDir });
    const now = Date.UTC(2026, 10, 30);
    await seedLogs(stores.logs, 5000, now);
    const cutoff = now - 43_200_000;
    const db = new Sqlite(join(dataDir, DATABASE_FILE), { readonly: true });
    const count = (where: string) =>
      (db.prepare(`SELECT count(*) AS n FROM logs WHERE ${where}`).get(cutoff) as { n: number }).n;
    const older = count('created_at < ?');
    assert.ok(older > 2000, 'more old logs than one batch deletes');
    const { value: deleted, turns } = await withTurns(() => stores.logs.prune(cutoff));
    assert.equal(deleted, older);
    assert.ok(turns > 0, 'the event loop ran between batches');
    assert.equal(count('created_at < ?'), 0);
    assert.equal(count('created_at >= ?'), 5000 - older);
    db.close();
    await stores.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("the cache's expired entries are pruned in batches too, the live ones kept", async () => {
    const dataDir = await tempDir();
    const stores = openSqliteStores({ dataDir });
    const now = Date.UTC(2026, 10, 30);
    const answer = { model: 'm', events: [] };
    const expired = PRUNE_ROWS_PER_WRITE * 2 + 10;
    await Promise.all(
      Array.from({ length: expired + 5 }, (_, n) =>
        stores.cache.set(`key_${n}`, answer, n < expired ? now - 1 : now + 60_000),
      ),
    );
    const { value: deleted, turns } = await withTurns(() => stores.cache.prune(now));
    assert.equal(deleted, expired);
    assert.ok(turns > 0, 'the event loop ran between batches');
    assert.deepEqual(await stores.cache.get(`key_${expired}`, now), answer);
    assert.equal(await stores.cache.prune(now), 0);
    await stores.close();
    await rm(dataDir, { recursive: true, force: true });
  });
});
