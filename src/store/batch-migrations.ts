import type { Migration } from './migration.ts';

/** The batches component, the same SQL on SQLite and PostgreSQL. */
export const BATCH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "Workers AI batches: each one's background responses in order",
    sql: `
      CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        model TEXT NOT NULL,
        entries_json TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
    `,
  },
];
