import type { Migration } from './migration.ts';

/** The responses component on PostgreSQL: the same tables as response-migrations.ts (SQLite). */
export const POSTGRES_RESPONSE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'responses and their input and output items',
    // JSON is kept as text, byte for byte as written: jsonb would reorder keys and refuse \u0000.
    sql: `
      CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        previous_response_id TEXT,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        response_json TEXT NOT NULL
      );
      -- recoverInterrupted() reads only the unfinished few, never the whole table.
      CREATE INDEX responses_unfinished ON responses (status) WHERE status IN ('queued', 'in_progress');
      CREATE TABLE items (
        response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('input', 'output')),
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        item_json TEXT NOT NULL,
        PRIMARY KEY (response_id, kind, position)
      );
      -- Finds the position of a pagination cursor (an item id) inside one response.
      CREATE INDEX items_by_item_id ON items (response_id, kind, item_id);
    `,
  },
  {
    version: 2,
    description: 'the instance running each response, so recovery leaves live replicas alone',
    sql: `ALTER TABLE responses ADD COLUMN instance TEXT;`,
  },
  {
    version: 3,
    description: 'background responses are recovered by their lease, not at start-up',
    sql: `
      ALTER TABLE responses ADD COLUMN background BOOLEAN NOT NULL DEFAULT false;
      UPDATE responses SET background = true WHERE response_json::json ->> 'background' = 'true';
    `,
  },
  {
    version: 4,
    description: "output items are read from their response's JSON, not kept twice",
    sql: `DELETE FROM items WHERE kind = 'output';`,
  },
  {
    version: 5,
    description:
      'items are found by id (item_reference): output items are rows again, their JSON left in the response',
    sql: `
      CREATE INDEX items_by_id ON items (item_id);
      INSERT INTO items (response_id, kind, position, item_id, item_json)
        SELECT responses.id, 'output', output.position - 1, output.item ->> 'id', ''
        FROM responses CROSS JOIN LATERAL
          json_array_elements(responses.response_json::json -> 'output') WITH ORDINALITY AS output (item, position)
        WHERE output.item ->> 'id' IS NOT NULL
        ON CONFLICT DO NOTHING;
    `,
  },
];
