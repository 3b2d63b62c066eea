import type { Migration } from './sqlite-migrations.ts';

export const CONVERSATION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'conversations and their items',
    sql: `
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        metadata_json TEXT NOT NULL
      ) STRICT;
      CREATE TABLE conversation_items (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        item_json TEXT NOT NULL,
        PRIMARY KEY (conversation_id, position)
      ) STRICT;
      -- Finds an item, or a pagination cursor, by its id inside one conversation.
      CREATE INDEX conversation_items_by_item_id ON conversation_items (conversation_id, item_id);
    `,
  },
];
