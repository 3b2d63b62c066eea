import type { Migration } from './migration.ts';

/**
 * Files on SQLite: the bytes beside the metadata (a large file's first part there, the rest in
 * `file_parts`), `seq` giving upload order for paging, `stored` 0 while the parts are written.
 */
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
  {
    version: 2,
    description: "a large file's bytes in parts, each written on its own",
    sql: `
      ALTER TABLE files ADD COLUMN stored INTEGER NOT NULL DEFAULT 1;
      CREATE TABLE file_parts (
        file_seq INTEGER NOT NULL REFERENCES files (seq) ON DELETE CASCADE,
        part INTEGER NOT NULL,
        content BLOB NOT NULL,
        PRIMARY KEY (file_seq, part)
      ) STRICT;
      CREATE INDEX files_unfinished ON files (created_at) WHERE stored = 0;
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
