import type { Database } from 'better-sqlite3';
import { latestVersion, newerVersion, type Migration } from './migration.ts';

export type { Migration };

/**
 * Each store owns its tables and its list of migrations (`responses`, `gateway`, ...): the
 * version each component reached is a row of `schema_migrations`, so stores evolve apart.
 */
const VERSIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  ) STRICT`;

/**
 * Brings one component's tables up to its last migration, each step in its own transaction
 * with the version recorded inside it, so a failed step leaves the previous version intact.
 * The write lock is taken before the version is read: two processes opening the same file
 * at once cannot both apply a step. Tables written by a newer Portico are refused.
 * Returns the version the component is at.
 */
export function migrate(db: Database, component: string, migrations: readonly Migration[]): number {
  const latest = latestVersion(migrations);
  db.exec(VERSIONS_TABLE);
  const step = db.transaction((migration: Migration): void => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = readVersion(db, component);
    if (current > latest) throw newerVersion(db.name, component, current, latest);
    if (current >= migration.version) return;
    db.exec(migration.sql);
    db.prepare(
      `INSERT INTO schema_migrations (component, version) VALUES (?, ?)
       ON CONFLICT (component) DO UPDATE SET version = excluded.version`,
    ).run(component, migration.version);
  });
  const current = readVersion(db, component);
  if (current > latest) throw newerVersion(db.name, component, current, latest);
  if (current === latest) return current;
  for (const migration of migrations) step.immediate(migration);
  return readVersion(db, component);
}

export function readVersion(db: Database, component: string): number {
  const row = db.prepare(`SELECT version FROM schema_migrations WHERE component = ?`).get(component) as
    { version: number } | undefined;
  return row?.version ?? 0;
}
