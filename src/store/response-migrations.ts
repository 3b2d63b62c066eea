import type { Migration } from './sqlite-migrations.ts';

export const RESPONSE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'responses and their input and output items',
    sql: `
      CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        previous_response_id TEXT,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        response_json TEXT NOT NULL
      ) STRICT;
      -- recoverInterrupted() reads only the unfinished few, never the whole table.
      CREATE INDEX responses_unfinished ON responses (status) WHERE status IN ('queued', 'in_progress');
      CREATE TABLE items (
        response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('input', 'output')),
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        item_json TEXT NOT NULL,
        PRIMARY KEY (response_id, kind, position)
      ) STRICT;
      -- Finds the position of a pagination cursor (an item id) inside one response.
      CREATE INDEX items_by_item_id ON items (response_id, kind, item_id);
    `,
  },
  {
    version: 2,
    description: 'requests without a key belong to the default project',
    sql: `UPDATE responses SET owner = 'default' WHERE owner = 'anonymous';`,
  },
  {
    version: 3,
    description: 'the instance running each response, so recovery leaves live replicas alone',
    sql: `ALTER TABLE responses ADD COLUMN instance TEXT;`,
  },
  {
    version: 4,
    description: 'background responses are recovered by their lease, not at start-up',
    sql: `
      ALTER TABLE responses ADD COLUMN background INTEGER NOT NULL DEFAULT 0;
      UPDATE responses SET background = 1 WHERE json_extract(response_json, '$.background') = 1;
    `,
  },
  {
    version: 5,
    description: "output items are read from their response's JSON, not kept twice",
    sql: `DELETE FROM items WHERE kind = 'output';`,
  },
  {
    version: 6,
    description:
      'items are found by id (item_reference): output items are rows again, their JSON left in the response',
    sql: `
      CREATE INDEX items_by_id ON items (item_id);
      INSERT OR IGNORE INTO items (response_id, kind, position, item_id, item_json)
        SELECT responses.id, 'output', output.key, json_extract(output.value, '$.id'), ''
        FROM responses, json_each(responses.response_json, '$.output') AS output
        WHERE json_extract(output.value, '$.id') IS NOT NULL;
    `,
  },
];
