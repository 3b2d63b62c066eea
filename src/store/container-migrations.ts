import type { Migration } from './migration.ts';

/** Containers and their files; `CONTENT` is BLOB on SQLite, BYTEA on PostgreSQL. */
const containersSql = (integer: string, content: string, strict: string) => `
  CREATE TABLE containers (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at ${integer} NOT NULL,
    last_active_at ${integer} NOT NULL,
    expires_minutes INTEGER NOT NULL,
    memory_limit TEXT NOT NULL,
    status TEXT NOT NULL
  )${strict};
  CREATE INDEX containers_by_owner ON containers (owner, created_at, id);
  CREATE INDEX containers_by_activity ON containers (status, last_active_at);
  CREATE TABLE container_files (
    id TEXT PRIMARY KEY,
    container_id TEXT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes ${integer} NOT NULL,
    created_at ${integer} NOT NULL,
    source TEXT NOT NULL,
    content ${content} NOT NULL,
    UNIQUE (container_id, path)
  )${strict};
  CREATE INDEX container_files_by_container ON container_files (container_id, created_at, id);
`;

export const SQLITE_CONTAINER_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'containers and their files', sql: containersSql('INTEGER', 'BLOB', ' STRICT') },
];

export const POSTGRES_CONTAINER_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'containers and their files', sql: containersSql('BIGINT', 'BYTEA', '') },
];
