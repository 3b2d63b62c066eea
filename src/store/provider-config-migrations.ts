import type { Migration } from './migration.ts';

/** The one table, in each backend's types: SQLite's STRICT tables know no BIGINT. */
const table = (big: string, strict: string) => `
  CREATE TABLE provider_configs (
    id TEXT PRIMARY KEY,
    gateway TEXT NOT NULL,
    provider TEXT NOT NULL,
    alias TEXT NOT NULL,
    is_default INTEGER NOT NULL,
    sealed_secret TEXT NOT NULL,
    secret_preview TEXT NOT NULL,
    rate_limit INTEGER,
    rate_limit_period INTEGER,
    created_at ${big} NOT NULL,
    modified_at ${big} NOT NULL,
    UNIQUE (gateway, provider, alias)
  )${strict};
  CREATE INDEX provider_configs_by_gateway ON provider_configs (gateway, created_at);
`;

const DESCRIPTION = 'provider keys stored per gateway, their secrets sealed';

export const SQLITE_PROVIDER_CONFIG_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: DESCRIPTION, sql: table('INTEGER', ' STRICT') },
];

export const POSTGRES_PROVIDER_CONFIG_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: DESCRIPTION, sql: table('BIGINT', '') },
];
