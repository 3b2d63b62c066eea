import { badRequest } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import { analyticsRows, type AnalyticsSums, type LatencySample } from './analytics-rows.ts';
import {
  BOUNDS_SQL,
  groupSql,
  logBounds,
  logFilterSql,
  logOrderSql,
  logPageSql,
  SPEND_BUCKET_MS,
  spendBucket,
  spendAdditions,
  spendScopeKey,
  bucketSql,
} from './log-filter-sql.ts';
import {
  LOG_COLUMNS,
  logBodiesJson,
  logColumnValues,
  logSummary,
  patchedLog,
  toLogEntry,
  type LogRow,
} from './log-rows.ts';
import type {
  AnalyticsQuery,
  AnalyticsRow,
  LogBounds,
  LogDeletion,
  LogEntry,
  LogFilter,
  LogPage,
  LogPageQuery,
  LogPatch,
  LogStore,
  SpendScope,
} from './log-store.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import { logSearchText } from './log-search-text.ts';
import { POSTGRES_LOG_SQL } from './log-sql-dialect.ts';
import { cappedGateways, limitBatch } from './log-limit.ts';
import type { PoolClient } from 'pg';
import { PRUNE_ROWS_PER_WRITE } from './sqlite-group-commit.ts';

const where = (filter: LogFilter, values: unknown[] = []) => logFilterSql(filter, POSTGRES_LOG_SQL, values);

const WRITE_LOCK = sql(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.portico_logs'))`);

const DELETE_OLDEST = sql(`DELETE FROM logs WHERE id IN
  (SELECT id FROM logs WHERE gateway = $1 ORDER BY created_at, id LIMIT $2)`);

/** LOG_COLUMNS' types, in order, as the column arrays of a batch are cast. */
const LOG_COLUMN_TYPES = [
  'text',
  'bigint',
  'text',
  'text',
  'text',
  'text',
  'text',
  'boolean',
  'text',
  'text',
  'float8',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'text',
];
const INSERT_LOGS = sql(`INSERT INTO logs (${LOG_COLUMNS}, search)
  SELECT ${LOG_COLUMNS}, to_tsvector('simple', search_text) FROM unnest(
    ${[...LOG_COLUMN_TYPES, 'text'].map((type, index) => `$${index + 1}::${type}[]`).join(', ')}
  ) WITH ORDINALITY AS given (${LOG_COLUMNS}, search_text, ordinality) ORDER BY ordinality`);
const INSERT_BODIES = sql(
  `INSERT INTO log_bodies (log_id, bodies_json) SELECT * FROM unnest($1::text[], $2::text[])`,
);
const ADD_SPEND = sql(`INSERT INTO spend (scope, bucket, cost)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[])
  ON CONFLICT (scope, bucket) DO UPDATE SET cost = spend.cost + excluded.cost`);

const HELD_LOGS = sql(`SELECT gateway, logs FROM log_counts WHERE gateway = ANY($1::text[])`);

const SELECT_ONE = `SELECT entry_json, bodies_json FROM logs LEFT JOIN log_bodies ON log_bodies.log_id = logs.id
  WHERE logs.id = $1 AND ($2::text IS NULL OR project = $2)`;

/** The request logs on PostgreSQL: the same rows as sqlite-log-store.ts, shared by every replica. */
export class PostgresLogStore implements LogStore {
  constructor(private readonly db: PostgresDatabase) {}

  async insert(entries: readonly LogEntry[], unlogged: readonly LogEntry[] = []): Promise<void> {
    if (entries.length === 0 && unlogged.length === 0) return;
    await this.db.transaction(async (client) => {
      // Replicas write batches one at a time, so `seq` rises in commit order and `tail` never
      // passes an entry that a slower transaction commits later.
      // The lock also keeps the log counts (log-limit.ts) as this batch reads them until it commits.
      await this.db.query(WRITE_LOCK, [], client);
      const capped = cappedGateways(entries);
      const held = new Map<string, number>();
      if (capped.length > 0)
        for (const row of await this.db.query<{ gateway: string; logs: string }>(HELD_LOGS, [capped], client))
          held.set(row.gateway, Number(row.logs));
      const { kept, added, excess } = limitBatch(entries, held, PRUNE_ROWS_PER_WRITE);
      if (kept.length > 0) await this.#insertRows(kept, client);
      if (added.size > 0)
        await this.db.execute(
          sql(`INSERT INTO log_counts (gateway, logs) SELECT * FROM unnest($1::text[], $2::bigint[])
            ON CONFLICT (gateway) DO UPDATE SET logs = log_counts.logs + excluded.logs`),
          [[...added.keys()], [...added.values()]],
          client,
        );
      for (const [gateway, count] of excess) await this.db.execute(DELETE_OLDEST, [gateway, count], client);
      // Every entry adds its cost, kept or past its gateway's cap.
      const spend = spendAdditions([...entries, ...unlogged]);
      if (spend.length > 0)
        await this.db.execute(
          ADD_SPEND,
          [spend.map((row) => row.scope), spend.map((row) => row.bucket), spend.map((row) => row.cost)],
          client,
        );
    });
  }

  /**
   * A batch's logs, their bodies and search text in two statements, each row an element of
   * column arrays: a statement per log was a round trip each, which bounded a busy gateway's
   * logging at a few hundred logs a second.
   */
  async #insertRows(entries: readonly LogEntry[], client: PoolClient): Promise<void> {
    const columns: unknown[][] = Array.from({ length: LOG_COLUMN_TYPES.length + 1 }, () => []);
    const bodies: { ids: string[]; json: string[] } = { ids: [], json: [] };
    for (const entry of entries) {
      const values = [...logColumnValues(entry, (success) => success), logSearchText(entry)];
      values.forEach((value, index) => columns[index]!.push(value));
      const json = logBodiesJson(entry);
      if (json) {
        bodies.ids.push(entry.id);
        bodies.json.push(json);
      }
    }
    await this.db.execute(INSERT_LOGS, columns, client);
    if (bodies.ids.length > 0) await this.db.execute(INSERT_BODIES, [bodies.ids, bodies.json], client);
  }

  async get(id: string, project?: string): Promise<LogEntry | undefined> {
    const [row] = await this.db.query<LogRow>(sql(SELECT_ONE), [id, project ?? null]);
    return row && toLogEntry(row);
  }

  async query(filter: LogFilter, page: LogPageQuery): Promise<LogPage> {
    const { where: clauses, values } = where(filter);
    let cursor = '';
    if (page.after !== undefined) {
      // Within the project read: another project's log is no cursor, as if unknown.
      const scoped = filter.project !== undefined;
      const [at] = await this.db.query<{ created_at: string }>(
        sql(`SELECT created_at FROM logs WHERE id = $1${scoped ? ' AND project = $2' : ''}`),
        scoped ? [page.after, filter.project] : [page.after],
      );
      if (!at) throw badRequest('after', `No log with id '${clip(page.after)}'.`);
      values.push(Number(at.created_at), page.after);
      cursor = `AND (created_at, id) ${page.order === 'asc' ? '>' : '<'} ($${values.length - 1}, $${values.length})`;
    }
    const order = logPageSql(page, POSTGRES_LOG_SQL, (value) => `$${values.push(value)}`);
    const rows = await this.db.query<LogRow>(
      sql(`SELECT entry_json FROM logs WHERE ${clauses} ${cursor} ${order}`),
      values,
    );
    return { data: rows.slice(0, page.limit).map(toLogEntry), hasMore: rows.length > page.limit };
  }

  async count(filter: LogFilter): Promise<number> {
    const { where: clauses, values } = where(filter);
    const [row] = await this.db.query<{ n: string }>(
      sql(`SELECT COUNT(*) AS n FROM logs WHERE ${clauses}`),
      values,
    );
    return Number(row?.n ?? 0);
  }

  async patch(id: string, project: string | undefined, patch: LogPatch): Promise<LogEntry | undefined> {
    return this.db.transaction(async (client) => {
      const [row] = await this.db.query<LogRow>(
        sql(`${SELECT_ONE} FOR UPDATE OF logs`),
        [id, project ?? null],
        client,
      );
      if (!row) return undefined;
      const updated = patchedLog(toLogEntry(row), patch);
      // Metadata is searched: the entry's text is indexed again.
      await this.db.execute(
        sql(`UPDATE logs SET entry_json = $2, search = to_tsvector('simple', $3) WHERE id = $1`),
        [id, JSON.stringify(logSummary(updated)), logSearchText(updated)],
        client,
      );
      return updated;
    });
  }

  async bounds(filter: LogFilter): Promise<LogBounds> {
    const { where: clauses, values } = where(filter);
    const [row] = await this.db.query<Record<string, unknown>>(
      sql(`SELECT ${BOUNDS_SQL} FROM logs WHERE ${clauses}`),
      values,
    );
    return logBounds(row);
  }

  /** A batch of PRUNE_ROWS_PER_WRITE at a time, as `prune` does. */
  async delete(filter: LogFilter, deletion: LogDeletion): Promise<number> {
    const { where: clauses, values } = where(filter);
    const order = logOrderSql(deletion, POSTGRES_LOG_SQL);
    const remove = sql(`DELETE FROM logs WHERE id IN
      (SELECT id FROM logs WHERE ${clauses} ${order} LIMIT $${values.length + 1})`);
    let left = deletion.limit ?? Number.POSITIVE_INFINITY;
    let deleted = 0;
    while (left > 0) {
      const batch = Math.min(left, PRUNE_ROWS_PER_WRITE);
      const some = await this.#locked((client) => this.db.execute(remove, [...values, batch], client));
      deleted += some;
      left -= some;
      if (some < batch) break;
    }
    return deleted;
  }

  async analytics(query: AnalyticsQuery): Promise<AnalyticsRow[]> {
    const { where: clauses, values } = where(query);
    const group = query.groupBy ? groupSql(query.groupBy, POSTGRES_LOG_SQL) : 'NULL::text';
    const bucket = `${bucketSql(query)}::bigint`;
    const sums = await this.db.query<AnalyticsSums & Record<string, unknown>>(
      sql(`SELECT ${bucket} AS bucket, ${group} AS grp, count(*) AS requests,
          count(*) FILTER (WHERE NOT success) AS errors, count(*) FILTER (WHERE cache_status = 'HIT') AS cache_hits,
          coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_cached), 0) AS tokens_cached,
          coalesce(sum(tokens_out), 0) AS tokens_out, coalesce(sum(tokens_reasoning), 0) AS tokens_reasoning,
          coalesce(sum(cost), 0) AS cost
        FROM logs WHERE ${clauses} GROUP BY 1, 2 ORDER BY 1, 2`),
      values,
    );
    const samples = await this.db.query<LatencySample & Record<string, unknown>>(
      sql(`SELECT ${bucket} AS bucket, ${group} AS grp, duration_ms, ttft_ms FROM logs WHERE ${clauses}`),
      values,
    );
    return analyticsRows(sums, samples);
  }

  async tail(
    filter: LogFilter,
    cursor: number | undefined,
    limit: number,
  ): Promise<{ data: LogEntry[]; cursor: number }> {
    if (cursor === undefined) {
      const [row] = await this.db.query<{ last: string }>(
        sql(`SELECT coalesce(max(seq), 0) AS last FROM logs`),
        [],
      );
      return { data: [], cursor: Number(row?.last ?? 0) };
    }
    const { where: clauses, values } = where(filter, [cursor]);
    values.push(limit);
    const rows = await this.db.query<LogRow & { seq: string }>(
      sql(
        `SELECT seq, entry_json FROM logs WHERE seq > $1 AND ${clauses} ORDER BY seq LIMIT $${values.length}`,
      ),
      values,
    );
    return { data: rows.map(toLogEntry), cursor: rows.length ? Number(rows.at(-1)!.seq) : cursor };
  }

  async spend(scope: SpendScope, since: number): Promise<number> {
    const [row] = await this.db.query<{ cost: number | null }>(
      sql(`SELECT sum(cost) AS cost FROM spend WHERE scope = $1 AND bucket >= $2`),
      [spendScopeKey(scope), spendBucket(since)],
    );
    return Number(row?.cost ?? 0);
  }

  /** A batch of PRUNE_ROWS_PER_WRITE logs at a time, so that no deletion holds the write lock long. */
  async prune(before: number): Promise<number> {
    await this.db.execute(sql(`DELETE FROM spend WHERE bucket < $1`), [
      spendBucket(before) - SPEND_BUCKET_MS,
    ]);
    const remove = sql(`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE created_at < $1 LIMIT $2)`);
    return this.#inBatches((client) => this.db.execute(remove, [before, PRUNE_ROWS_PER_WRITE], client));
  }

  /** One deletion of at most PRUNE_ROWS_PER_WRITE at a time, each deciding from the count as it is then. */
  async trim(gateway: string, maxLogs: number): Promise<number> {
    return this.#inBatches(async (client) => {
      const [row] = await this.db.query<{ gateway: string; logs: string }>(HELD_LOGS, [[gateway]], client);
      const over = Math.min(Number(row?.logs ?? 0) - maxLogs, PRUNE_ROWS_PER_WRITE);
      return over > 0 ? this.db.execute(DELETE_OLDEST, [gateway, over], client) : 0;
    });
  }

  /** Runs `deleteSome` (at most PRUNE_ROWS_PER_WRITE rows) until one deletes fewer; how many in all. */
  async #inBatches(deleteSome: (client: PoolClient) => Promise<number>): Promise<number> {
    let deleted = 0;
    for (;;) {
      const some = await this.#locked(deleteSome);
      deleted += some;
      if (some < PRUNE_ROWS_PER_WRITE) return deleted;
    }
  }

  /**
   * A deletion under the insert's write lock: the trigger that lowers the log counts then never
   * waits on a batch's count rows while that batch waits on its own (a deadlock, one of them
   * failed), and a batch reads counts no deletion is changing.
   */
  async #locked<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.db.transaction(async (client) => {
      await this.db.query(WRITE_LOCK, [], client);
      return work(client);
    });
  }
}
