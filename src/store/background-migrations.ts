import type { Migration } from './sqlite-migrations.ts';

export const BACKGROUND_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'background runs under leases, and the events of background responses',
    sql: `
      CREATE TABLE background_runs (
        response_id TEXT PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
        owner TEXT NOT NULL,
        model TEXT NOT NULL,
        request_json TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        -- queued: waiting for a worker; running: held by lease_owner until lease_expires_at.
        state TEXT NOT NULL CHECK (state IN ('queued', 'running')),
        lease_owner TEXT,
        lease_expires_at INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX background_runs_waiting ON background_runs (state, queued_at);
      CREATE TABLE response_events (
        response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        sequence_number INTEGER NOT NULL,
        event_json TEXT NOT NULL,
        PRIMARY KEY (response_id, sequence_number)
      ) STRICT;
    `,
  },
];
