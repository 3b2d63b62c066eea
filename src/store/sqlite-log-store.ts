import type { Database, Statement } from 'better-sqlite3';
import { badRequest } from '../api/errors.ts';
import type {
  AnalyticsQuery,
  AnalyticsRow,
  LogEntry,
  LogFilter,
  LogPage,
  LogPatch,
  LogStore,
  SpendScope,
} from './log-store.ts';
import { percentile } from './percentile.ts';
import { migrate, type Migration } from './sqlite-migrations.ts';

const MIGRATIONS: readonly Migration[] = [
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
];

const HOUR_MS = 3_600_000;

/** Entry fields kept in columns (for filters and sums) or with the bodies; the rest is `entry_json`. */
type Summary = Omit<LogEntry, 'requestBody' | 'responseBody' | 'timeline'>;
type Bodies = Pick<LogEntry, 'requestBody' | 'responseBody' | 'timeline'>;

interface Row {
  entry_json: string;
  bodies_json?: string | null;
}

function toEntry(row: Row): LogEntry {
  const bodies: Bodies = row.bodies_json
    ? (JSON.parse(row.bodies_json) as Bodies)
    : { requestBody: null, responseBody: null, timeline: null };
  return { ...(JSON.parse(row.entry_json) as Summary), ...bodies };
}

function spendScope(scope: SpendScope): string {
  return 'keyId' in scope ? `key:${scope.keyId}` : `gateway:${scope.gateway}`;
}

/** WHERE clauses and parameters for a filter; every column named has an index or rides on the time index. */
function where(filter: LogFilter): { sql: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (clause: string, name: string, value: unknown) => {
    clauses.push(clause);
    params[name] = value;
  };
  if (filter.project !== undefined) add('project = @project', 'project', filter.project);
  if (filter.gateway !== undefined) add('gateway = @gateway', 'gateway', filter.gateway);
  if (filter.model !== undefined) add('model = @model', 'model', filter.model);
  if (filter.provider !== undefined) add('provider = @provider', 'provider', filter.provider);
  if (filter.keyId !== undefined) add('key_id = @key_id', 'key_id', filter.keyId);
  if (filter.success !== undefined) add('success = @success', 'success', filter.success ? 1 : 0);
  if (filter.cached !== undefined)
    clauses.push(filter.cached ? `cache_status = 'HIT'` : `(cache_status IS NULL OR cache_status != 'HIT')`);
  if (filter.eventId !== undefined) add('event_id = @event_id', 'event_id', filter.eventId);
  if (filter.from !== undefined) add('created_at >= @from', 'from', filter.from);
  if (filter.to !== undefined) add('created_at < @to', 'to', filter.to);
  return { sql: clauses.length ? clauses.join(' AND ') : '1', params };
}

const GROUP_COLUMN: Record<NonNullable<AnalyticsQuery['groupBy']>, string> = {
  model: 'model',
  provider: 'provider',
  gateway: 'gateway',
  key: 'key_id',
  project: 'project',
};

export class SqliteLogStore implements LogStore {
  readonly #db: Database;
  readonly #insertLog: Statement;
  readonly #insertBodies: Statement;
  readonly #addSpend: Statement;
  readonly #cache = new Map<string, Statement>();

  constructor(db: Database) {
    migrate(db, 'logs', MIGRATIONS);
    this.#db = db;
    this.#insertLog = db.prepare(`
      INSERT INTO logs (id, created_at, gateway, project, key_id, provider, model, success, cache_status,
        event_id, cost, duration_ms, ttft_ms, tokens_in, tokens_cached, tokens_out, tokens_reasoning, entry_json)
      VALUES (@id, @created_at, @gateway, @project, @key_id, @provider, @model, @success, @cache_status,
        @event_id, @cost, @duration_ms, @ttft_ms, @tokens_in, @tokens_cached, @tokens_out, @tokens_reasoning, @entry_json)`);
    this.#insertBodies = db.prepare(`INSERT INTO log_bodies (log_id, bodies_json) VALUES (?, ?)`);
    this.#addSpend = db.prepare(`
      INSERT INTO spend (scope, bucket, cost) VALUES (?, ?, ?)
      ON CONFLICT (scope, bucket) DO UPDATE SET cost = cost + excluded.cost`);
  }

  async insert(entries: readonly LogEntry[]): Promise<void> {
    this.#db
      .transaction(() => {
        for (const entry of entries) this.#insertOne(entry);
      })
      .immediate();
  }

  async get(id: string, project?: string): Promise<LogEntry | undefined> {
    return this.#getSync(id, project);
  }

  async query(
    filter: LogFilter,
    page: { limit: number; order: 'asc' | 'desc'; after?: string },
  ): Promise<LogPage> {
    const { sql, params } = where(filter);
    const asc = page.order === 'asc';
    let cursor = '';
    if (page.after !== undefined) {
      const at = this.#statement(`SELECT created_at FROM logs WHERE id = ?`).get(page.after) as
        { created_at: number } | undefined;
      if (!at) throw badRequest('after', `No log with id '${page.after}'.`);
      cursor = `AND (created_at, id) ${asc ? '>' : '<'} (@cursor_at, @cursor_id)`;
      params.cursor_at = at.created_at;
      params.cursor_id = page.after;
    }
    const direction = asc ? 'ASC' : 'DESC';
    const rows = this.#statement(
      `SELECT entry_json FROM logs WHERE ${sql} ${cursor}
       ORDER BY created_at ${direction}, id ${direction} LIMIT @limit`,
    ).all({ ...params, limit: page.limit + 1 }) as Row[];
    return { data: rows.slice(0, page.limit).map(toEntry), hasMore: rows.length > page.limit };
  }

  async patch(id: string, project: string | undefined, patch: LogPatch): Promise<LogEntry | undefined> {
    return this.#db
      .transaction(() => {
        const found = this.#getSync(id, project);
        if (!found) return undefined;
        const updated: LogEntry = {
          ...found,
          ...(patch.feedback !== undefined ? { feedback: patch.feedback } : {}),
          ...(patch.score !== undefined ? { score: patch.score } : {}),
          ...(patch.metadata !== undefined ? { metadata: patch.metadata ?? {} } : {}),
        };
        this.#statement(`UPDATE logs SET entry_json = ? WHERE id = ?`).run(
          JSON.stringify(summary(updated)),
          id,
        );
        return updated;
      })
      .immediate();
  }

  async analytics(query: AnalyticsQuery): Promise<AnalyticsRow[]> {
    const { sql, params } = where(query);
    const group = query.groupBy ? GROUP_COLUMN[query.groupBy] : 'NULL';
    const bucket = `(created_at / @bucket_ms) * @bucket_ms`;
    const all = { ...params, bucket_ms: query.bucketMs };
    const sums = this.#statement(
      `SELECT ${bucket} AS bucket, ${group} AS grp, count(*) AS requests,
         sum(success = 0) AS errors, sum(cache_status = 'HIT') AS cache_hits,
         total(tokens_in) AS tokens_in, total(tokens_cached) AS tokens_cached, total(tokens_out) AS tokens_out,
         total(tokens_reasoning) AS tokens_reasoning, total(cost) AS cost
       FROM logs WHERE ${sql} GROUP BY bucket, grp ORDER BY bucket, grp`,
    ).all(all) as Array<{
      bucket: number;
      grp: string | null;
      requests: number;
      errors: number;
      cache_hits: number;
      tokens_in: number;
      tokens_cached: number;
      tokens_out: number;
      tokens_reasoning: number;
      cost: number;
    }>;
    // Percentiles need the values themselves: read them sorted, one pass.
    const latencies = new Map<string, { duration: number[]; ttft: number[] }>();
    const samples = this.#statement(
      `SELECT ${bucket} AS bucket, ${group} AS grp, duration_ms, ttft_ms FROM logs WHERE ${sql} ORDER BY duration_ms`,
    ).iterate(all) as IterableIterator<{
      bucket: number;
      grp: string | null;
      duration_ms: number;
      ttft_ms: number | null;
    }>;
    for (const sample of samples) {
      const key = `${sample.bucket}\u0000${sample.grp ?? ''}`;
      let lists = latencies.get(key);
      if (!lists) latencies.set(key, (lists = { duration: [], ttft: [] }));
      lists.duration.push(sample.duration_ms);
      if (sample.ttft_ms !== null) lists.ttft.push(sample.ttft_ms);
    }
    return sums.map((row) => {
      const lists = latencies.get(`${row.bucket}\u0000${row.grp ?? ''}`) ?? { duration: [], ttft: [] };
      const ttft = lists.ttft.sort((a, b) => a - b);
      return {
        bucket: row.bucket,
        group: row.grp,
        requests: row.requests,
        errors: row.errors,
        cacheHits: row.cache_hits,
        tokensIn: row.tokens_in,
        tokensCached: row.tokens_cached,
        tokensOut: row.tokens_out,
        tokensReasoning: row.tokens_reasoning,
        cost: row.cost,
        latencyP50: percentile(lists.duration, 0.5),
        latencyP95: percentile(lists.duration, 0.95),
        ttftP50: ttft.length ? percentile(ttft, 0.5) : null,
      };
    });
  }

  async tail(
    filter: LogFilter,
    cursor: number | undefined,
    limit: number,
  ): Promise<{ data: LogEntry[]; cursor: number }> {
    if (cursor === undefined) {
      const row = this.#statement(`SELECT coalesce(max(rowid), 0) AS last FROM logs`).get() as {
        last: number;
      };
      return { data: [], cursor: row.last };
    }
    const { sql, params } = where(filter);
    const rows = this.#statement(
      `SELECT rowid AS seq, entry_json FROM logs WHERE rowid > @cursor AND ${sql} ORDER BY rowid LIMIT @limit`,
    ).all({ ...params, cursor, limit }) as Array<Row & { seq: number }>;
    return { data: rows.map(toEntry), cursor: rows.at(-1)?.seq ?? cursor };
  }

  async spend(scope: SpendScope, since: number): Promise<number> {
    const row = this.#statement(`SELECT total(cost) AS cost FROM spend WHERE scope = ? AND bucket >= ?`).get(
      spendScope(scope),
      Math.floor(since / HOUR_MS) * HOUR_MS,
    ) as { cost: number };
    return row.cost;
  }

  async prune(before: number): Promise<number> {
    return this.#db
      .transaction(() => {
        this.#statement(`DELETE FROM spend WHERE bucket < ?`).run(
          Math.floor(before / HOUR_MS) * HOUR_MS - HOUR_MS,
        );
        return this.#statement(`DELETE FROM logs WHERE created_at < ?`).run(before).changes;
      })
      .immediate();
  }

  #insertOne(entry: LogEntry): void {
    this.#insertLog.run({
      id: entry.id,
      created_at: entry.createdAt,
      gateway: entry.gateway,
      project: entry.project,
      key_id: entry.keyId,
      provider: entry.provider,
      model: entry.model,
      success: entry.success ? 1 : 0,
      cache_status: entry.cacheStatus,
      event_id: entry.eventId,
      cost: entry.cost,
      duration_ms: entry.durationMs,
      ttft_ms: entry.ttftMs,
      tokens_in: entry.tokensIn,
      tokens_cached: entry.tokensCached,
      tokens_out: entry.tokensOut,
      tokens_reasoning: entry.tokensReasoning,
      entry_json: JSON.stringify(summary(entry)),
    });
    if (entry.requestBody != null || entry.responseBody != null || entry.timeline !== null) {
      const bodies: Bodies = {
        requestBody: entry.requestBody,
        responseBody: entry.responseBody,
        timeline: entry.timeline,
      };
      this.#insertBodies.run(entry.id, JSON.stringify(bodies));
    }
    if (entry.cost > 0) {
      const bucket = Math.floor(entry.createdAt / HOUR_MS) * HOUR_MS;
      this.#addSpend.run(spendScope({ gateway: entry.gateway }), bucket, entry.cost);
      if (entry.keyId !== null) this.#addSpend.run(spendScope({ keyId: entry.keyId }), bucket, entry.cost);
    }
  }

  #getSync(id: string, project: string | undefined): LogEntry | undefined {
    const sql = `SELECT entry_json, bodies_json FROM logs LEFT JOIN log_bodies ON log_bodies.log_id = logs.id
      WHERE logs.id = @id ${project !== undefined ? 'AND project = @project' : ''}`;
    const row = this.#statement(sql).get({ id, ...(project !== undefined ? { project } : {}) }) as
      Row | undefined;
    return row && toEntry(row);
  }

  /** Statements built from filters are prepared once per distinct SQL text. */
  #statement(sql: string): Statement {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (this.#cache.size < 256) this.#cache.set(sql, statement);
    }
    return statement;
  }
}

function summary(entry: LogEntry): Summary {
  const { requestBody: _request, responseBody: _response, timeline: _timeline, ...rest } = entry;
  return rest;
}
