import { SEARCH_TEXT_CHARS } from './log-search-text.ts';
import type { Migration } from './migration.ts';

/** The gateway's tables on PostgreSQL: the same as the SQLite stores' (sqlite-*-store.ts). */
export const POSTGRES_GATEWAY_MIGRATIONS: Record<
  'keys' | 'gateways' | 'logs' | 'cache',
  readonly Migration[]
> = {
  keys: [
    {
      version: 1,
      description: 'virtual API keys, stored as their SHA-256',
      sql: `
        CREATE TABLE keys (
          id TEXT PRIMARY KEY,
          hash TEXT NOT NULL UNIQUE,
          project TEXT NOT NULL,
          created_at BIGINT NOT NULL,
          revoked_at BIGINT,
          record_json TEXT NOT NULL
        );
        CREATE INDEX keys_by_project ON keys (project, created_at);
        CREATE INDEX keys_active ON keys (revoked_at) WHERE revoked_at IS NULL;
      `,
    },
  ],
  gateways: [
    {
      version: 1,
      description: 'gateways made through the admin API',
      sql: `CREATE TABLE gateways (id TEXT PRIMARY KEY, settings_json TEXT NOT NULL);`,
    },
  ],
  logs: [
    {
      version: 1,
      description: 'request logs, their bodies, and spend in hourly buckets',
      sql: `
        CREATE TABLE logs (
          seq BIGSERIAL UNIQUE,
          id TEXT PRIMARY KEY,
          created_at BIGINT NOT NULL,
          gateway TEXT NOT NULL,
          project TEXT NOT NULL,
          key_id TEXT,
          provider TEXT,
          model TEXT,
          success BOOLEAN NOT NULL,
          cache_status TEXT,
          event_id TEXT,
          cost DOUBLE PRECISION NOT NULL,
          duration_ms BIGINT NOT NULL,
          ttft_ms BIGINT,
          tokens_in BIGINT NOT NULL,
          tokens_cached BIGINT NOT NULL,
          tokens_out BIGINT NOT NULL,
          tokens_reasoning BIGINT NOT NULL,
          entry_json TEXT NOT NULL
        );
        CREATE INDEX logs_by_time ON logs (created_at, id);
        CREATE INDEX logs_by_project ON logs (project, created_at, id);
        CREATE TABLE log_bodies (
          log_id TEXT PRIMARY KEY REFERENCES logs (id) ON DELETE CASCADE,
          bodies_json TEXT NOT NULL
        );
        CREATE TABLE spend (
          scope TEXT NOT NULL,
          bucket BIGINT NOT NULL,
          cost DOUBLE PRECISION NOT NULL,
          PRIMARY KEY (scope, bucket)
        );
      `,
    },
    {
      version: 2,
      description: 'word search over each log: a tsvector of its text, with a GIN index',
      // Earlier rows are indexed from what they kept: the same fields and body strings as
      // log-search-text.ts reads, lower-cased, anything but letters and digits a space.
      sql: `
        ALTER TABLE logs ADD COLUMN search tsvector;
        UPDATE logs SET search = to_tsvector('simple', doc.text)
        FROM (
          SELECT logs.id, left(regexp_replace(lower(concat_ws(' ', logs.id, j.e ->> 'responseId', event_id,
              model, provider, j.e ->> 'path',
              (SELECT string_agg(key || ' ' || coalesce(value, ''), ' ') FROM jsonb_each_text(j.e -> 'metadata')),
              j.e ->> 'errorMessage',
              (SELECT string_agg(s #>> '{}', ' ') FROM jsonb_path_query(j.b -> 'requestBody', 'strict $.**') AS s
                WHERE jsonb_typeof(s) = 'string' AND left(s #>> '{}', 5) <> 'data:'),
              (SELECT string_agg(s #>> '{}', ' ') FROM jsonb_path_query(j.b -> 'responseBody', 'strict $.**') AS s
                WHERE jsonb_typeof(s) = 'string' AND left(s #>> '{}', 5) <> 'data:'))),
            '[^[:alnum:]]+', ' ', 'g'), ${SEARCH_TEXT_CHARS}) AS text
          FROM logs LEFT JOIN log_bodies ON log_bodies.log_id = logs.id,
            LATERAL (SELECT entry_json::jsonb AS e, bodies_json::jsonb AS b) AS j
        ) AS doc
        WHERE doc.id = logs.id;
        CREATE INDEX logs_search ON logs USING GIN (search);
      `,
    },
    {
      version: 3,
      description: "each gateway's count of logs, for its log cap (log-limit.ts), and its logs by time",
      // The insert raises a count once per batch; every deletion, whatever deletes, lowers it
      // here, once per statement and gateway.
      sql: `
        CREATE TABLE log_counts (
          gateway TEXT PRIMARY KEY,
          logs BIGINT NOT NULL
        );
        INSERT INTO log_counts (gateway, logs) SELECT gateway, count(*) FROM logs GROUP BY gateway;
        CREATE INDEX logs_by_gateway ON logs (gateway, created_at, id);
        CREATE FUNCTION log_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE log_counts SET logs = log_counts.logs - gone.n
          FROM (SELECT gateway, count(*) AS n FROM deleted_logs GROUP BY gateway) AS gone
          WHERE log_counts.gateway = gone.gateway;
          RETURN NULL;
        END $$;
        CREATE TRIGGER log_counts_delete AFTER DELETE ON logs
          REFERENCING OLD TABLE AS deleted_logs
          FOR EACH STATEMENT EXECUTE FUNCTION log_counts_deleted();
      `,
    },
  ],
  cache: [
    {
      version: 1,
      description: 'cached answers by key',
      sql: `
        CREATE TABLE cache (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL, answer_json TEXT NOT NULL);
        CREATE INDEX cache_by_expiry ON cache (expires_at);
      `,
    },
  ],
};
