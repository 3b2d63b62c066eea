import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import Sqlite, { type Database } from 'better-sqlite3';
import { SqliteGroupCommit, walFile, type DurableFile } from '../src/store/sqlite-group-commit.ts';
import { WalCheckpointer } from '../src/store/wal-checkpointer.ts';

/** A WAL file whose syncs are counted and, when `held`, wait until released. */
function gatedFile() {
  let held = false;
  const waiting: Array<() => void> = [];
  const file = {
    syncs: 0,
    hold: () => (held = true),
    release() {
      held = false;
      for (const go of waiting.splice(0)) go();
    },
    async sync() {
      file.syncs += 1;
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    async close() {},
  };
  return file satisfies DurableFile;
}

describe('SQLite group commit', () => {
  const root = mkdtempSync(join(tmpdir(), 'portico-group-commit-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let db: Database;
  let n = 0;
  const insert = (value: string) => () =>
    db.prepare('INSERT INTO t (v) VALUES (?)').run(value).lastInsertRowid;
  const rows = () =>
    (db.prepare('SELECT v FROM t ORDER BY id').all() as Array<{ v: string }>).map((r) => r.v);
  /** Frames in the WAL: one commit of several rows writes fewer than a commit per row. */
  const walFrames = () => (db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;

  beforeEach(() => {
    db = new Sqlite(join(root, `db-${n++}.db`));
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  });

  test('concurrent writes share one transaction and one sync; each resolves with its result', async () => {
    const file = gatedFile();
    const commits = new SqliteGroupCommit(db, file);
    const frames = walFrames();
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => commits.write(insert(`v${i}`))));
    assert.equal(file.syncs, 1);
    assert.deepEqual(
      ids.map(Number),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(rows().length, 20);
    const batchFrames = walFrames() - frames;
    for (let i = 0; i < 20; i++) await commits.write(insert(`w${i}`));
    assert.equal(file.syncs, 21, 'a write awaited alone gets its own sync');
    assert.ok(walFrames() - frames - batchFrames > 5 * batchFrames, 'twenty commits wrote more than one');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'the connection stays synchronous = FULL');
    await commits.close();
  });

  test('a write is acknowledged only after a sync that began after it; later writes share the next sync', async () => {
    const file = gatedFile();
    const commits = new SqliteGroupCommit(db, file);
    file.hold();
    let firstDone = false;
    const first = commits.write(insert('a')).then(() => (firstDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(file.syncs, 1);
    assert.equal(firstDone, false, 'not acknowledged while its sync runs');
    let laterDone = 0;
    const later = [commits.write(insert('b')), commits.write(insert('c'))].map((p) =>
      p.then(() => laterDone++),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(file.syncs, 1, 'the next sync waits for the running one');
    file.release();
    await first;
    assert.equal(laterDone, 0);
    file.release();
    await Promise.all(later);
    assert.equal(file.syncs, 2, 'b and c shared one sync');
    await commits.close();
  });

  test('a write that fails fails alone; the rest of its batch commits', async () => {
    const commits = new SqliteGroupCommit(db, gatedFile());
    db.prepare('INSERT INTO t (v) VALUES (?)').run('taken');
    const results = await Promise.allSettled([
      commits.write(insert('x')),
      commits.write(insert('taken')),
      commits.write(insert('y')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(rows(), ['taken', 'x', 'y']);
    await commits.close();
  });

  test('the real WAL file is synced, and close waits for writes in flight', async () => {
    const path = join(root, `db-${n - 1}.db`);
    const commits = new SqliteGroupCommit(db, walFile(path));
    const writes = Promise.all([commits.write(insert('p')), commits.write(insert('q'))]);
    await commits.close();
    assert.deepEqual(rows(), ['p', 'q']);
    await writes;
    db.close();
    const reopened = new Sqlite(path, { readonly: true });
    assert.equal((reopened.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 2);
    reopened.close();
  });
  test('synced commits are checkpointed into the database file by a thread of their own, once there are enough', async () => {
    const path = join(root, `db-${n - 1}.db`);
    // Until a checkpoint, new pages live in the WAL only; the file holds its first page.
    const before = statSync(path).size;
    const commits = new SqliteGroupCommit(db, walFile(path));
    // The connection's own checkpoint is off (beforeEach): only the thread can copy the WAL.
    for (let i = 0; i < 5; i++) await commits.write(insert(`few${i}`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(statSync(path).size, before, 'a few commits stay in the WAL: no thread for them');
    for (let i = 0; i < 45; i++) await commits.write(insert(`c${i}`));
    const deadline = Date.now() + 10_000;
    while (statSync(path).size <= before && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(statSync(path).size > before, "the table's pages reached the database file");
    await commits.close();
    assert.equal(rows().length, 50);
  });

  test('under sustained commits the thread starts the WAL over, again and again', async () => {
    const path = join(root, `db-${n - 1}.db`);
    const policy = { everyMs: 0, restartFrames: 100, idleMs: 30_000, minCommits: 1 };
    const commits = new SqliteGroupCommit(db, walFile(path, new WalCheckpointer(path, policy)));
    // The WAL header's checkpoint sequence number: it moves each time the WAL starts over.
    const restarts = new Set<number>();
    const value = 'x'.repeat(2000);
    let written = 0;
    // Always 64 writes in flight, so the WAL never rests; the connection's own checkpoint is
    // off (beforeEach): only the thread can let the WAL start over.
    const writer = async (until: number) => {
      while (Date.now() < until) {
        await commits.write(insert(`${value}${written++}`));
        restarts.add(readFileSync(`${path}-wal`).readUInt32BE(12));
      }
    };
    const until = Date.now() + 1000;
    await Promise.all(Array.from({ length: 64 }, () => writer(until)));
    await commits.close();
    assert.ok(restarts.size >= 3, `the WAL started over ${restarts.size - 1} times in a second of commits`);
    assert.equal(rows().length, written);
  });

  test('a batch refused the write lock by another connection waits off the event loop, then commits', async () => {
    const commits = new SqliteGroupCommit(db, gatedFile());
    db.pragma('busy_timeout = 5000');
    // Another process's connection (here a second one in this process) holds the write lock.
    const other = new Sqlite(db.name);
    other.prepare('BEGIN IMMEDIATE').run();
    const written = commits.write(insert('late'));
    // SQLite's busy handler would sleep on the event loop; timers must keep firing instead.
    // (Watched for up to 2 s, less than the 5 s the busy handler would block: a loaded machine
    // may fire a 1 ms timer rarely, a blocked loop fires it not at all.)
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 1);
    const deadline = Date.now() + 2000;
    while (ticks <= 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(ticks > 5, `the event loop kept turning while the batch waited (${ticks} ticks)`);
    assert.deepEqual(rows(), []);
    other.prepare('COMMIT').run();
    other.close();
    await written;
    clearInterval(ticking);
    assert.deepEqual(rows(), ['late']);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000, 'the handle keeps its own busy timeout');
  });
  test('a batch commits without syncing (its sync comes after, off the loop); the handle keeps syncing its own commits', async () => {
    const file = gatedFile();
    const commits = new SqliteGroupCommit(db, file);
    const synchronous = () => db.pragma('synchronous', { simple: true });
    const during = await commits.write(() => {
      insert('x')();
      return synchronous();
    });
    assert.equal(during, 1, 'NORMAL inside the batch');
    assert.equal(file.syncs, 1);
    assert.equal(synchronous(), 2, 'FULL again for the handle');
  });
  test('writes that arrive while a sync runs wait for it to end, then commit together', async () => {
    const file = gatedFile();
    const commits = new SqliteGroupCommit(db, file);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    // What another connection sees: committed rows only.
    const reader = new Sqlite(db.name, { readonly: true });
    const committed = () =>
      (reader.prepare('SELECT v FROM t ORDER BY id').all() as Array<{ v: string }>).map((r) => r.v);
    file.hold();
    const first = commits.write(insert('a'));
    await turn();
    await turn();
    assert.equal(file.syncs, 1, 'the first write is committed and its sync is running');
    const second = commits.write(insert('b'));
    await turn();
    const third = commits.write(insert('c'));
    await turn();
    assert.deepEqual(committed(), ['a'], 'writes of later turns are not committed while the sync runs');
    file.release();
    await Promise.all([first, second, third]);
    assert.deepEqual(committed(), ['a', 'b', 'c']);
    assert.equal(file.syncs, 2, 'b and c share the next sync');
    reader.close();
  });

  test('a batch that changed nothing syncs nothing, but waits for the sync of what it may have read', async () => {
    const file = gatedFile();
    const commits = new SqliteGroupCommit(db, file);
    const count = () => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    const noMatch = () => db.prepare('UPDATE t SET v = ? WHERE v = ?').run('y', 'absent').changes;
    assert.equal(await commits.write(count), 0);
    assert.equal(await commits.write(noMatch), 0);
    assert.equal(file.syncs, 0, 'a read and an update of no row need no sync');
    // While a's sync runs, a read that sees a is not acknowledged before a is on disk.
    file.hold();
    const a = commits.write(insert('a'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(file.syncs, 1);
    let seen: number | undefined;
    const read = commits.write(count).then((n) => (seen = n));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(seen, undefined, 'held until the sync that covers a');
    file.release();
    await Promise.all([a, read]);
    assert.equal(seen, 1);
    assert.equal(file.syncs, 1, 'the read made no sync of its own');
    await commits.write(insert('b'));
    assert.equal(file.syncs, 2, 'a change still syncs');
    await commits.close();
  });
});
