import type { Migration } from './migration.ts';

/**
 * The instances component, the same SQL on SQLite and PostgreSQL. Its table is read by the
 * responses component's recovery, so the backends migrate it first.
 */
export const INSTANCE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'leases of the processes sharing the database',
    sql: `
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        started_at BIGINT NOT NULL,
        renewed_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
];
