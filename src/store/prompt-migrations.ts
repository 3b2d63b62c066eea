import type { Migration } from './migration.ts';

/**
 * Prompts and their versions. Templates and metadata are JSON kept as text, exactly as the
 * store is given them (jsonb would reorder a template's keys). A version's row never changes
 * once made.
 */
const promptsSql = (integer: string, strict: string) => `
  CREATE TABLE prompts (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT,
    description TEXT,
    metadata TEXT NOT NULL,
    created_at ${integer} NOT NULL,
    latest_version ${integer} NOT NULL
  )${strict};
  CREATE INDEX prompts_by_owner ON prompts (owner, created_at, id);
  CREATE TABLE prompt_versions (
    prompt_id TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    version ${integer} NOT NULL,
    template TEXT NOT NULL,
    created_at ${integer} NOT NULL,
    PRIMARY KEY (prompt_id, version)
  )${strict};
`;

const DESCRIPTION = 'prompts and their versions';

export const SQLITE_PROMPT_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: DESCRIPTION, sql: promptsSql('INTEGER', ' STRICT') },
];

export const POSTGRES_PROMPT_MIGRATIONS: readonly Migration[] = [
  { version: 1, description: DESCRIPTION, sql: promptsSql('BIGINT', '') },
];
