import type { Database, Statement } from 'better-sqlite3';
import { badRequest } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
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
import {
  LOG_COLUMNS,
  logBodiesJson,
  logColumnValues,
  logSummary,
  patchedLog,
  toLogEntry,
  type LogRow,
} from './log-rows.ts';
import { AnalyticsTally, type AnalyticsSums, type LatencySample } from './analytics-rows.ts';
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
import { PRUNE_ROWS_PER_WRITE, type SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate, type Migration } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';
import { nextTurn } from '../next-turn.ts';
import { logSearchText, SEARCH_TEXT_CHARS } from './log-search-text.ts';
import { SQLITE_BROAD_SEARCH_SQL, SQLITE_LOG_SQL } from './log-sql-dialect.ts';
import { cappedGateways, limitBatch } from './log-limit.ts';

export const SQLITE_LOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'request logs, their bodies, and spend in hourly buckets',
    sql: `
      CREATE TABLE logs (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        gateway TEXT NOT NULL,
        project TEXT NOT NULL,
        key_id TEXT,
        provider TEXT,
        model TEXT,
        success INTEGER NOT NULL,
        cache_status TEXT,
        event_id TEXT,
        cost REAL NOT NULL,
        duration_ms INTEGER NOT NULL,
        ttft_ms INTEGER,
        tokens_in INTEGER NOT NULL,
        tokens_cached INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        tokens_reasoning INTEGER NOT NULL,
        entry_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX logs_by_time ON logs (created_at, id);
      CREATE INDEX logs_by_project ON logs (project, created_at, id);
      CREATE TABLE log_bodies (
        log_id TEXT PRIMARY KEY REFERENCES logs (id) ON DELETE CASCADE,
        bodies_json TEXT NOT NULL
      ) STRICT;
      CREATE TABLE spend (
        scope TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        cost REAL NOT NULL,
        PRIMARY KEY (scope, bucket)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'word search over each log: an FTS5 index of its text, kept with its row',
    // Earlier rows are indexed from what they kept: the same fields and body strings as
    // log-search-text.ts reads, which the tokenizer splits into the same words.
    sql: `
      CREATE VIRTUAL TABLE log_search USING fts5 (text, content = '', contentless_delete = 1);
      INSERT INTO log_search (rowid, text)
        SELECT logs.rowid, substr(concat_ws(' ', logs.id, json_extract(entry_json, '$.responseId'), event_id,
          model, provider, json_extract(entry_json, '$.path'),
          (SELECT group_concat(key || ' ' || coalesce(value, ''), ' ') FROM json_each(entry_json, '$.metadata')),
          json_extract(entry_json, '$.errorMessage'),
          (SELECT group_concat(value, ' ') FROM json_tree(bodies_json, '$.requestBody')
            WHERE type = 'text' AND value NOT LIKE 'data:%'),
          (SELECT group_concat(value, ' ') FROM json_tree(bodies_json, '$.responseBody')
            WHERE type = 'text' AND value NOT LIKE 'data:%')), 1, ${SEARCH_TEXT_CHARS})
        FROM logs LEFT JOIN log_bodies ON log_bodies.log_id = logs.id;
      CREATE TRIGGER log_search_delete AFTER DELETE ON logs BEGIN
        DELETE FROM log_search WHERE rowid = old.rowid;
      END;
    `,
  },
  {
    version: 3,
    description: "each gateway's count of logs, for its log cap (log-limit.ts), and its logs by time",
    // The insert raises a count once per batch; every deletion, whatever deletes, lowers it here.
    sql: `
      CREATE TABLE log_counts (
        gateway TEXT PRIMARY KEY,
        logs INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO log_counts (gateway, logs) SELECT gateway, count(*) FROM logs GROUP BY gateway;
      CREATE INDEX logs_by_gateway ON logs (gateway, created_at, id);
      CREATE TRIGGER log_counts_delete AFTER DELETE ON logs BEGIN
        UPDATE log_counts SET logs = logs - 1 WHERE gateway = old.gateway;
      END;
    `,
  },
];

/**
 * Past this many entries holding a search's words, its page is read along the time index,
 * each entry's membership looked up, rather than each match fetched and all of them sorted:
 * on 100,000 logs two common words took 430-530 ms a page that way and 80-140 ms this way,
 * while a rare word takes 8 ms as matches and 30-50 ms along the index.
 */
const BROAD_SEARCH_MATCHES = 2_000;

/**
 * 26-35 ms of the event loop a slice on the development machine, where a day of 60,000 logs
 * read whole held it for 160-180 ms (and read in slices took 200 ms in all).
 */
const ANALYTICS_SLICE_ROWS = 5_000;

/** SQLite's ORDER BY bucket, grp: NULL first, text by its UTF-8 bytes. */
function byBucketAndGroup(a: AnalyticsRow, b: AnalyticsRow): number {
  if (a.bucket !== b.bucket) return a.bucket - b.bucket;
  if (a.group === b.group) return 0;
  if (a.group === null) return -1;
  if (b.group === null) return 1;
  return Buffer.compare(Buffer.from(a.group), Buffer.from(b.group));
}

export class SqliteLogStore implements LogStore {
  readonly #insertLog: Statement;
  readonly #insertBodies: Statement;
  readonly #insertSearch: Statement;
  readonly #addSpend: Statement;
  readonly #heldLogs: Statement;
  readonly #addLogs: Statement;
  readonly #deleteOldest: Statement;
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;
  readonly #sliceRows: number;

  /**
   * Batches of entries share transactions and syncs with the responses' writes through
   * `commits`. `sliceRows`: the most rows one analytics statement reads (see `analytics`).
   */
  constructor(db: Database, commits: SqliteGroupCommit, sliceRows = ANALYTICS_SLICE_ROWS) {
    migrate(db, 'logs', SQLITE_LOG_MIGRATIONS);
    this.#commits = commits;
    this.#sliceRows = sliceRows;
    this.#sql = new StatementCache(db);
    this.#insertLog = db.prepare(`
      INSERT INTO logs (${LOG_COLUMNS})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#insertBodies = db.prepare(`INSERT INTO log_bodies (log_id, bodies_json) VALUES (?, ?)`);
    this.#insertSearch = db.prepare(`INSERT INTO log_search (rowid, text) VALUES (?, ?)`);
    this.#addSpend = db.prepare(`
      INSERT INTO spend (scope, bucket, cost) VALUES (?, ?, ?)
      ON CONFLICT (scope, bucket) DO UPDATE SET cost = cost + excluded.cost`);
    this.#heldLogs = db.prepare(`SELECT logs FROM log_counts WHERE gateway = ?`).pluck();
    this.#addLogs = db.prepare(`
      INSERT INTO log_counts (gateway, logs) VALUES (?, ?)
      ON CONFLICT (gateway) DO UPDATE SET logs = logs + excluded.logs`);
    this.#deleteOldest = db.prepare(`
      DELETE FROM logs WHERE id IN
        (SELECT id FROM logs WHERE gateway = ? ORDER BY created_at, id LIMIT ?)`);
  }

  async insert(entries: readonly LogEntry[], unlogged: readonly LogEntry[] = []): Promise<void> {
    await this.#commits.write(() => {
      const held = new Map(cappedGateways(entries).map((gateway) => [gateway, this.#held(gateway)]));
      const { kept, added, excess } = limitBatch(entries, held, PRUNE_ROWS_PER_WRITE);
      for (const entry of kept) this.#insertOne(entry);
      for (const [gateway, logs] of added) this.#addLogs.run(gateway, logs);
      for (const [gateway, count] of excess) this.#deleteOldest.run(gateway, count);
      // Every entry adds its cost, kept or past its gateway's cap.
      for (const { scope, bucket, cost } of spendAdditions([...entries, ...unlogged]))
        this.#addSpend.run(scope, bucket, cost);
    });
  }

  async get(id: string, project?: string): Promise<LogEntry | undefined> {
    return this.#getSync(id, project);
  }

  async query(filter: LogFilter, page: LogPageQuery): Promise<LogPage> {
    const { where: sql, values } = this.#where(filter);
    let cursor = '';
    if (page.after !== undefined) {
      // Within the project read: another project's log is no cursor, as if unknown.
      const scoped = filter.project !== undefined;
      const at = this.#sql
        .get(`SELECT created_at FROM logs WHERE id = ?${scoped ? ' AND project = ?' : ''}`)
        .get(page.after, ...(scoped ? [filter.project] : [])) as { created_at: number } | undefined;
      if (!at) throw badRequest('after', `No log with id '${clip(page.after)}'.`);
      cursor = `AND (created_at, id) ${page.order === 'asc' ? '>' : '<'} (?, ?)`;
      values.push(at.created_at, page.after);
    }
    const order = logPageSql(page, SQLITE_LOG_SQL, (value) => (values.push(value), '?'));
    const rows = this.#sql
      .get(`SELECT entry_json FROM logs WHERE ${sql} ${cursor} ${order}`)
      .all(...values) as LogRow[];
    return { data: rows.slice(0, page.limit).map(toLogEntry), hasMore: rows.length > page.limit };
  }

  async count(filter: LogFilter): Promise<number> {
    const { where: sql, values } = this.#where(filter);
    return (this.#sql.get(`SELECT COUNT(*) AS n FROM logs WHERE ${sql}`).get(...values) as { n: number }).n;
  }

  async bounds(filter: LogFilter): Promise<LogBounds> {
    const { where: sql, values } = this.#where(filter);
    return logBounds(
      this.#sql.get(`SELECT ${BOUNDS_SQL} FROM logs WHERE ${sql}`).get(...values) as Record<string, unknown>,
    );
  }

  /** A batch of PRUNE_ROWS_PER_WRITE at a time, each through the group commit, as `prune` does. */
  async delete(filter: LogFilter, deletion: LogDeletion): Promise<number> {
    const { where: sql, values } = this.#where(filter);
    const select = `SELECT id FROM logs WHERE ${sql} ${logOrderSql(deletion, SQLITE_LOG_SQL)} LIMIT ?`;
    const remove = this.#sql.get(`DELETE FROM logs WHERE id IN (${select})`);
    let left = deletion.limit ?? Number.POSITIVE_INFINITY;
    let deleted = 0;
    while (left > 0) {
      const batch = Math.min(left, PRUNE_ROWS_PER_WRITE);
      const some = await this.#commits.write(() => remove.run(...values, batch).changes);
      deleted += some;
      left -= some;
      if (some < batch) break;
    }
    return deleted;
  }

  async patch(id: string, project: string | undefined, patch: LogPatch): Promise<LogEntry | undefined> {
    return this.#commits.write(() => {
      const found = this.#getSync(id, project);
      if (!found) return undefined;
      const updated = patchedLog(found, patch);
      const { rowid } = this.#sql
        .get(`UPDATE logs SET entry_json = ? WHERE id = ? RETURNING rowid`)
        .get(JSON.stringify(logSummary(updated)), id) as { rowid: number };
      // Metadata is searched: the entry's text is indexed again.
      this.#sql.get(`DELETE FROM log_search WHERE rowid = ?`).run(rowid);
      this.#insertSearch.run(rowid, logSearchText(updated));
      return updated;
    });
  }

  /**
   * Reads the range a slice at a time, each of at most `#sliceRows` rows (its end found on the
   * time index), and lets the event loop turn between slices: one statement over a day of
   * 60,000 logs held the loop for 160-180 ms, every proxied request waiting (seconds at a
   * million), and the dashboard's overview asks up to three every 10 s. Sums add up across
   * slices; each slice adds its latencies.
   */
  async analytics(query: AnalyticsQuery): Promise<AnalyticsRow[]> {
    const { where: sql, values } = this.#where(query);
    const group = query.groupBy ? groupSql(query.groupBy, SQLITE_LOG_SQL) : 'NULL';
    const bucket = bucketSql(query);
    const inSlice = `${sql} AND created_at >= ? AND created_at < ?`;
    const sums = this.#sql.get(
      `SELECT ${bucket} AS bucket, ${group} AS grp, count(*) AS requests,
         sum(NOT success) AS errors, sum(cache_status = 'HIT') AS cache_hits,
         total(tokens_in) AS tokens_in, total(tokens_cached) AS tokens_cached, total(tokens_out) AS tokens_out,
         total(tokens_reasoning) AS tokens_reasoning, total(cost) AS cost
       FROM logs WHERE ${inSlice} GROUP BY bucket, grp`,
    );
    const samples = this.#sql.get(
      `SELECT ${bucket} AS bucket, ${group} AS grp, duration_ms, ttft_ms FROM logs WHERE ${inSlice}`,
    );
    const sliceEnd = this.#sql.get(
      `SELECT created_at AS at FROM logs WHERE created_at >= ? ORDER BY created_at LIMIT 1 OFFSET ?`,
    );
    const to = query.to ?? Number.MAX_SAFE_INTEGER;
    let start =
      query.from ??
      (this.#sql.get(`SELECT min(created_at) AS first FROM logs`).get() as { first: number | null }).first;
    const tally = new AnalyticsTally();
    while (start !== null && start < to) {
      const next = sliceEnd.get(start, this.#sliceRows) as { at: number } | undefined;
      // Past the slice's rows; one instant holding more than a slice is read whole.
      const end = Math.min(next ? Math.max(next.at, start + 1) : to, to);
      tally.addSums(sums.all(...values, start, end) as AnalyticsSums[]);
      tally.addSamples(samples.iterate(...values, start, end) as IterableIterator<LatencySample>);
      if (!next) break;
      start = end;
      await nextTurn();
    }
    // A bucket and group met in two slices came first in the earlier one: order as SQL would.
    return tally.rows().sort(byBucketAndGroup);
  }

  async tail(
    filter: LogFilter,
    cursor: number | undefined,
    limit: number,
  ): Promise<{ data: LogEntry[]; cursor: number }> {
    if (cursor === undefined) {
      const row = this.#sql.get(`SELECT coalesce(max(rowid), 0) AS last FROM logs`).get() as {
        last: number;
      };
      return { data: [], cursor: row.last };
    }
    const { where: sql, values } = this.#where(filter, [cursor]);
    const rows = this.#sql
      .get(`SELECT rowid AS seq, entry_json FROM logs WHERE rowid > ? AND ${sql} ORDER BY rowid LIMIT ?`)
      .all(...values, limit) as Array<LogRow & { seq: number }>;
    return { data: rows.map(toLogEntry), cursor: rows.at(-1)?.seq ?? cursor };
  }

  async spend(scope: SpendScope, since: number): Promise<number> {
    const row = this.#sql
      .get(`SELECT total(cost) AS cost FROM spend WHERE scope = ? AND bucket >= ?`)
      .get(spendScopeKey(scope), spendBucket(since)) as { cost: number };
    return row.cost;
  }

  /**
   * Deletes `PRUNE_ROWS_PER_WRITE` logs (and their bodies) at a time, each batch through the group
   * commit: one statement for an hour of a busy server's logs, or for the first prune after a
   * retention was set on a large log, held the event loop for as long as it took, and synced
   * on it.
   */
  async prune(before: number): Promise<number> {
    await this.#commits.write(() =>
      this.#sql.get(`DELETE FROM spend WHERE bucket < ?`).run(spendBucket(before) - SPEND_BUCKET_MS),
    );
    return this.#commits.deleteInBatches(
      PRUNE_ROWS_PER_WRITE,
      () =>
        this.#sql
          .get(`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE created_at < ? LIMIT ?)`)
          .run(before, PRUNE_ROWS_PER_WRITE).changes,
    );
  }

  /** One deletion of at most PRUNE_ROWS_PER_WRITE at a time, each deciding from the count as it is then. */
  async trim(gateway: string, maxLogs: number): Promise<number> {
    return this.#commits.deleteInBatches(PRUNE_ROWS_PER_WRITE, () => {
      const over = Math.min(this.#held(gateway) - maxLogs, PRUNE_ROWS_PER_WRITE);
      return over > 0 ? this.#deleteOldest.run(gateway, over).changes : 0;
    });
  }

  #held(gateway: string): number {
    return (this.#heldLogs.get(gateway) as number | undefined) ?? 0;
  }

  /** The filter as SQL, its search read the way that suits how many entries hold its words. */
  #where(filter: LogFilter, values: unknown[] = []): { where: string; values: unknown[] } {
    if (!filter.search?.length) return logFilterSql(filter, SQLITE_LOG_SQL, values);
    const { matches } = this.#sql
      .get(`SELECT count(*) AS matches FROM (SELECT 1 FROM log_search WHERE log_search MATCH ? LIMIT ?)`)
      .get(SQLITE_LOG_SQL.searchQuery(filter.search), BROAD_SEARCH_MATCHES + 1) as { matches: number };
    return logFilterSql(
      filter,
      matches > BROAD_SEARCH_MATCHES ? SQLITE_BROAD_SEARCH_SQL : SQLITE_LOG_SQL,
      values,
    );
  }

  #insertOne(entry: LogEntry): void {
    const { lastInsertRowid } = this.#insertLog.run(logColumnValues(entry, (success) => (success ? 1 : 0)));
    this.#insertSearch.run(lastInsertRowid, logSearchText(entry));
    const bodies = logBodiesJson(entry);
    if (bodies) this.#insertBodies.run(entry.id, bodies);
  }

  #getSync(id: string, project: string | undefined): LogEntry | undefined {
    const sql = `SELECT entry_json, bodies_json FROM logs LEFT JOIN log_bodies ON log_bodies.log_id = logs.id
      WHERE logs.id = @id ${project !== undefined ? 'AND project = @project' : ''}`;
    const row = this.#sql.get(sql).get({ id, ...(project !== undefined ? { project } : {}) }) as
      LogRow | undefined;
    return row && toLogEntry(row);
  }
}
