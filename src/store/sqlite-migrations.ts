import type { Database } from 'better-sqlite3';
import { ApiError } from '../api/errors.ts';

/** One schema step. Versions start at 1 and rise by one; a shipped step is never edited. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'responses and their input and output items',
    sql: `
      CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        previous_response_id TEXT,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        response_json TEXT NOT NULL
      ) STRICT;
      -- recoverInterrupted() reads only the unfinished few, never the whole table.
      CREATE INDEX responses_unfinished ON responses (status) WHERE status IN ('queued', 'in_progress');
      CREATE TABLE items (
        response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('input', 'output')),
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        item_json TEXT NOT NULL,
        PRIMARY KEY (response_id, kind, position)
      ) STRICT;
      -- Finds the position of a pagination cursor (an item id) inside one response.
      CREATE INDEX items_by_item_id ON items (response_id, kind, item_id);
    `,
  },
];

/**
 * Brings the database up to the last migration, each step in its own transaction with
 * `user_version` recorded inside it, so a failed step leaves the previous version intact.
 * The write lock is taken before the version is read: two processes opening the same file
 * at once cannot both apply a step. A database written by a newer Portico is refused.
 * Returns the version the database is at.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const step = db.transaction((migration: Migration): void => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = readVersion(db);
    if (current > latest) throw newerVersion(db.name, current, latest);
    if (current >= migration.version) return;
    db.exec(migration.sql);
    db.pragma(`user_version = ${migration.version}`);
  });
  const current = readVersion(db);
  if (current > latest) throw newerVersion(db.name, current, latest);
  if (current === latest) return current;
  for (const migration of migrations) step.immediate(migration);
  return readVersion(db);
}

function readVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function newerVersion(file: string, found: number, latest: number): ApiError {
  return new ApiError({
    status: 500,
    type: 'server_error',
    code: 'store_version_unsupported',
    retryable: false,
    message:
      `The database ${file} has schema version ${found}, but this Portico knows versions up to ` +
      `${latest}: it was written by a newer Portico. Upgrade Portico or use another data directory.`,
  });
}
