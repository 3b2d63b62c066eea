import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite, { type Database } from 'better-sqlite3';
import { migrate } from './sqlite-migrations.ts';

export const DATABASE_FILE = 'portico.db';
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens `<dataDir>/portico.db` (creating the folder), configured for durability, and
 * migrated to the current schema. Closes the handle again if the schema is refused.
 */
export function openSqliteDatabase(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Sqlite(join(dataDir, DATABASE_FILE), { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    // FULL syncs the WAL on every commit: a write that was acknowledged survives power loss.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
