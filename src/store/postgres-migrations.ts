import type { Pool, PoolClient } from 'pg';
import { latestVersion, newerVersion, type Migration } from './migration.ts';

const VERSIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  )`;

/** One lock for every component's migrations, taken inside each step's transaction. */
const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.portico_migrations'))`;

/**
 * PostgreSQL's twin of sqlite-migrations.ts `migrate`: brings one component's tables up to its
 * last migration, each step in its own transaction with the version recorded inside it (DDL is
 * transactional here too, so a failed step leaves the previous version intact). An advisory
 * lock is taken before the version is read, so replicas starting together apply each step
 * once. Tables written by a newer Portico are refused. Returns the version reached.
 */
export async function migratePostgres(
  pool: Pool,
  component: string,
  migrations: readonly Migration[],
): Promise<number> {
  const latest = latestVersion(migrations);
  const client = await pool.connect();
  try {
    await inTransaction(client, async () => {
      await client.query(MIGRATION_LOCK);
      await client.query(VERSIONS_TABLE);
    });
    for (const migration of migrations) {
      await inTransaction(client, async () => {
        await client.query(MIGRATION_LOCK);
        const current = await readPostgresVersion(client, component);
        if (current > latest) throw newerVersion(await where(client), component, current, latest);
        if (current >= migration.version) return;
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO schema_migrations (component, version) VALUES ($1, $2)
           ON CONFLICT (component) DO UPDATE SET version = excluded.version`,
          [component, migration.version],
        );
      });
    }
    const reached = await readPostgresVersion(client, component);
    if (reached > latest) throw newerVersion(await where(client), component, reached, latest);
    return reached;
  } finally {
    client.release();
  }
}

export async function readPostgresVersion(client: Pool | PoolClient, component: string): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    `SELECT version FROM schema_migrations WHERE component = $1`,
    [component],
  );
  return rows[0]?.version ?? 0;
}

async function inTransaction(client: PoolClient, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function where(client: PoolClient): Promise<string> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT current_database() || ' (schema ' || current_schema() || ')' AS name`,
  );
  return rows[0]?.name ?? 'PostgreSQL';
}
