import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Sqlite from 'better-sqlite3';
import { ApiError } from '../src/api/errors.ts';
import type { ResponseStore } from '../src/store/response-store.ts';
import { DATABASE_FILE, openSqliteDatabase } from '../src/store/sqlite-connection.ts';
import { MIGRATIONS, migrate } from '../src/store/sqlite-migrations.ts';
import { prepareStatements } from '../src/store/sqlite-statements.ts';
import { INTERRUPTED_ERROR, openSqliteStore } from '../src/store/sqlite-store.ts';
import { describeResponseStore } from './store-contract.ts';
import { assistantItem, completedFixture, responseFixture, userItem } from './support/store-fixtures.ts';

const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'portico-sqlite-'));
}

describeResponseStore('sqlite', async () => {
  const dataDir = await tempDir();
  const opened: ResponseStore[] = [openSqliteStore({ dataDir })];
  return {
    store: opened[0] as ResponseStore,
    reopen: async () => {
      const store = openSqliteStore({ dataDir });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
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
    const store = openSqliteStore({ dataDir });
    await store.close();
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
    await openSqliteStore({ dataDir }).close();
    const db = new Sqlite(join(dataDir, DATABASE_FILE), { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), LATEST);
    db.close();
    // Opening again applies nothing and keeps the data.
    const store = openSqliteStore({ dataDir });
    await store.begin(responseFixture('resp_1'), [], 'owner');
    await store.close();
    const again = openSqliteStore({ dataDir });
    assert.equal((await again.get('resp_1', 'owner'))?.id, 'resp_1');
    await again.close();
  });

  test('a database from a newer Portico is refused and left as it was', async () => {
    const dataDir = join(root, 'newer');
    await openSqliteStore({ dataDir }).close();
    const file = join(dataDir, DATABASE_FILE);
    const raw = new Sqlite(file);
    raw.pragma(`user_version = ${LATEST + 1}`);
    raw.close();
    assert.throws(
      () => openSqliteStore({ dataDir }),
      (error: unknown) =>
        error instanceof ApiError &&
        error.code === 'store_version_unsupported' &&
        error.message.includes(`schema version ${LATEST + 1}`) &&
        error.message.includes('newer Portico'),
    );
    const check = new Sqlite(file, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), LATEST + 1);
    check.close();
  });

  test('each migration step is one transaction: a failing step leaves the version before it', () => {
    const db = new Sqlite(':memory:');
    const first = { version: 1, description: 'a', sql: 'CREATE TABLE a (x INTEGER);' };
    assert.equal(migrate(db, [first]), 1);
    const broken = { version: 2, description: 'b', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE (' };
    assert.throws(() => migrate(db, [first, broken]));
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    const tables = () =>
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all();
    assert.deepEqual(tables(), [{ name: 'a' }]);
    const fixed = { version: 2, description: 'b', sql: 'CREATE TABLE b (x INTEGER);' };
    assert.equal(migrate(db, [first, fixed]), 2);
    assert.deepEqual(tables(), [{ name: 'a' }, { name: 'b' }]);
    db.close();
  });

  test('no statement scans a whole table', () => {
    const db = openSqliteDatabase(join(root, 'plans'));
    const scans: string[] = [];
    for (const [name, statement] of Object.entries(prepareStatements(db))) {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${statement.source}`)
        .all(...nullParameters(statement.source));
      for (const step of plan as { detail: string }[]) {
        if (/^SCAN (responses|items|r)\b/.test(step.detail)) scans.push(`${name}: ${step.detail}`);
      }
    }
    db.close();
    assert.deepEqual(scans, []);
  });

  test('updated_at follows the injected clock', async () => {
    const dataDir = join(root, 'clock');
    let now = 1000;
    const store = openSqliteStore({ dataDir, clock: () => now });
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
    await store.close();
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

    const store = openSqliteStore({ dataDir });
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
    await store.close();
  });
});

/** Binds every parameter of a statement to null, enough for EXPLAIN QUERY PLAN. */
function nullParameters(source: string): unknown[] {
  const names = [...source.matchAll(/:([a-z_]+)/g)].map((match) => match[1] as string);
  if (names.length > 0) return [Object.fromEntries(names.map((name) => [name, null]))];
  return [...source.matchAll(/\?/g)].map(() => null);
}
