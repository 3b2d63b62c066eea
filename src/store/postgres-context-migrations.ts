import type { Migration } from './migration.ts';

/** Conversations and background runs on PostgreSQL: the same tables as their SQLite migrations. */
export const POSTGRES_CONTEXT_MIGRATIONS: Readonly<Record<string, readonly Migration[]>> = {
  conversations: [
    {
      version: 1,
      description: 'conversations and their items',
      sql: `
        CREATE TABLE conversations (
          id TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          created_at BIGINT NOT NULL,
          metadata_json TEXT NOT NULL
        );
        CREATE TABLE conversation_items (
          conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          item_id TEXT NOT NULL,
          item_json TEXT NOT NULL,
          PRIMARY KEY (conversation_id, position)
        );
        CREATE INDEX conversation_items_by_item_id ON conversation_items (conversation_id, item_id);
      `,
    },
  ],
  background: [
    {
      version: 1,
      description: 'background runs under leases, and the events of background responses',
      sql: `
        CREATE TABLE background_runs (
          response_id TEXT PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
          owner TEXT NOT NULL,
          model TEXT NOT NULL,
          request_json TEXT NOT NULL,
          queued_at BIGINT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('queued', 'running')),
          lease_owner TEXT,
          lease_expires_at BIGINT,
          cancel_requested BOOLEAN NOT NULL DEFAULT false
        );
        CREATE INDEX background_runs_waiting ON background_runs (state, queued_at);
        CREATE TABLE response_events (
          response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
          sequence_number INTEGER NOT NULL,
          event_json TEXT NOT NULL,
          PRIMARY KEY (response_id, sequence_number)
        );
      `,
    },
  ],
};
