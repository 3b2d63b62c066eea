import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite, { type Database } from 'better-sqlite3';

export const DATABASE_FILE = 'portico.db';
const BUSY_TIMEOUT_MS = 5000;
const WAL_CHECKPOINT_PAGES = 10_000;

/**
 * Opens `<dataDir>/portico.db` (creating the folder), configured for durability. Each store
 * migrates its own tables when it is built on the handle.
 */
export function openSqliteDatabase(dataDir: string): Database {
  makeDataDir(dataDir);
  const db = new Sqlite(join(dataDir, DATABASE_FILE), { timeout: BUSY_TIMEOUT_MS });
  try {
    useWal(db);
    // FULL syncs the WAL on every commit: a write that was acknowledged survives power loss.
    db.pragma('synchronous = FULL');
    // The connection's own checkpoint, which syncs the WAL and the database file on the event
    // loop, is a backstop: the group commit's checkpointer (wal-checkpointer.ts) runs them off
    // the loop first. At SQLite's default (every 1,000 pages, 4 MB) it came every few hundred
    // stored responses and took a quarter of the time spent writing them.
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    adoptLegacyVersion(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Makes the data directory, or says in a line what stands in its way (a file, the permissions). */
function makeDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : message;
    throw new Error(
      `The data directory '${dataDir}' cannot be made (${why}): choose another with --data-dir or PORTICO_DATA_DIR.`,
    );
  }
}

/** How long `useWal` sleeps between tries. */
const WAL_RETRY_MS = 10;

/**
 * Switches the file to WAL. The switch takes an exclusive lock, and SQLite refuses it at once,
 * without its busy handler, while another connection holds a lock: `portico serve --workers N`
 * on a new data folder has every worker open the file at once, and all but one failed with
 * "database is locked". The others try again, within the busy timeout, until it is done (a
 * file already in WAL answers at once). The sleep blocks: this runs once, before serving.
 */
function useWal(db: Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, WAL_RETRY_MS);
    }
  }
}

/** Databases from before per-component versions kept the responses tables' version in user_version. */
function adoptLegacyVersion(db: Database): void {
  const legacy = db.pragma('user_version', { simple: true }) as number;
  if (legacy === 0) return;
  db.transaction(() => {
    db.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT`,
    );
    db.prepare(`INSERT OR IGNORE INTO schema_migrations (component, version) VALUES ('responses', ?)`).run(
      legacy,
    );
    db.pragma('user_version = 0');
  }).immediate();
}
