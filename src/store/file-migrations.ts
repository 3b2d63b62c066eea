import type { Migration } from './migration.ts';

/** Files on SQLite: the bytes beside the metadata, `seq` giving upload order for paging. */
export const FILE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'uploaded files',
    sql: `
      CREATE TABLE files (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        filename TEXT NOT NULL,
        purpose TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        content BLOB NOT NULL
      ) STRICT;
      CREATE INDEX files_by_owner ON files (owner, seq);
      CREATE INDEX files_expiring ON files (expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
];

/** The same table on PostgreSQL. */
export const POSTGRES_FILE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'uploaded files',
    sql: `
      CREATE TABLE files (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        filename TEXT NOT NULL,
        purpose TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        content BYTEA NOT NULL
      );
      CREATE INDEX files_by_owner ON files (owner, seq);
      CREATE INDEX files_expiring ON files (expires_at) WHERE expires_at IS NOT NULL;
    `,
  },
];
