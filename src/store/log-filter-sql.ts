import { logConditionSql } from './log-condition-sql.ts';
import type { LogSqlDialect } from './log-sql-dialect.ts';
import { METADATA_GROUP_KEY, METADATA_GROUP_PREFIX } from '../api/logs.ts';
import type {
  AnalyticsDimension,
  LogBounds,
  LogEntry,
  LogFilter,
  LogOrderField,
  LogPageQuery,
  LogRangeField,
  SpendScope,
} from './log-store.ts';

/**
 * A log filter as SQL for either backend: the WHERE text, with each value bound through the
 * dialect's placeholder (SQLite's `?`, PostgreSQL's `$n`), and the values in order.
 */
export function logFilterSql(
  filter: LogFilter,
  dialect: LogSqlDialect,
  values: unknown[] = [],
): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const bind = (value: unknown) => {
    values.push(value);
    return dialect.placeholder(values.length);
  };
  if (filter.project !== undefined) clauses.push(`project = ${bind(filter.project)}`);
  if (filter.gateway !== undefined) clauses.push(`gateway = ${bind(filter.gateway)}`);
  if (filter.model !== undefined) clauses.push(`model = ${bind(filter.model)}`);
  if (filter.provider !== undefined) clauses.push(`provider = ${bind(filter.provider)}`);
  if (filter.keyId !== undefined) clauses.push(`key_id = ${bind(filter.keyId)}`);
  if (filter.success !== undefined) clauses.push(filter.success ? 'success' : 'NOT success');
  if (filter.cached !== undefined)
    clauses.push(filter.cached ? `cache_status = 'HIT'` : `(cache_status IS NULL OR cache_status <> 'HIT')`);
  if (filter.eventId !== undefined) clauses.push(`event_id = ${bind(filter.eventId)}`);
  if (filter.from !== undefined) clauses.push(`created_at >= ${bind(filter.from)}`);
  if (filter.to !== undefined) clauses.push(`created_at < ${bind(filter.to)}`);
  for (const [field, range] of Object.entries(filter.ranges ?? {}) as Array<[LogRangeField, Range]>) {
    if (range.min !== undefined) clauses.push(`${RANGE_SQL[field]} >= ${bind(range.min)}`);
    if (range.max !== undefined) clauses.push(`${RANGE_SQL[field]} <= ${bind(range.max)}`);
  }
  for (const condition of filter.conditions ?? []) clauses.push(logConditionSql(condition, dialect, bind));
  if (filter.search?.length) clauses.push(dialect.search(bind(dialect.searchQuery(filter.search))));
  return { where: clauses.length ? clauses.join(' AND ') : 'TRUE', values };
}

type Range = { min?: number; max?: number };

const RANGE_SQL: Record<LogRangeField, string> = {
  cost: 'cost',
  duration: 'duration_ms',
  tokens_in: 'tokens_in',
  tokens_out: 'tokens_out',
  total_tokens: '(tokens_in + tokens_out)',
};

const ORDER_SQL: Record<LogOrderField, ((dialect: LogSqlDialect) => string) | null> = {
  created_at: null,
  provider: () => 'provider',
  model: () => 'model',
  model_type: (d) => `coalesce(${d.jsonText('modelType')}, 'Text Generation')`,
  success: () => 'success',
  cached: () => `(CASE WHEN cache_status = 'HIT' THEN 1 ELSE 0 END)`,
  cost: () => 'cost',
  tokens_in: () => 'tokens_in',
  tokens_out: () => 'tokens_out',
  duration: () => 'duration_ms',
  feedback: (d) => d.jsonNumber('feedback'),
};

/**
 * An ORDER BY for either backend: its field first (missing values last, as both backends then
 * agree), then time and id, which keeps pages stable.
 */
export function logOrderSql(
  order: { order: 'asc' | 'desc'; orderBy?: LogOrderField },
  dialect: LogSqlDialect,
): string {
  const direction = order.order === 'asc' ? 'ASC' : 'DESC';
  const field = ORDER_SQL[order.orderBy ?? 'created_at'];
  const first = field === null ? '' : `${field(dialect)} ${direction} NULLS LAST, `;
  return `ORDER BY ${first}created_at ${direction}, id ${direction}`;
}

/** A log page's ORDER BY, LIMIT and OFFSET for either backend. */
export function logPageSql(
  page: LogPageQuery,
  dialect: LogSqlDialect,
  bind: (value: unknown) => string,
): string {
  // Bound in the order they appear: SQLite's `?` are positional.
  const limit = `LIMIT ${bind(page.limit + 1)}`;
  const offset = page.offset ? ` OFFSET ${bind(page.offset)}` : '';
  return `${logOrderSql(page, dialect)} ${limit}${offset}`;
}

/** The least and greatest of each measure, as columns `min_<field>` and `max_<field>` (LogBounds). */
export const BOUNDS_SQL = Object.entries(RANGE_SQL)
  .map(([field, sql]) => `min(${sql}) AS min_${field}, max(${sql}) AS max_${field}`)
  .join(', ');

/** A row of BOUNDS_SQL as LogBounds; a backend's numbers may come as text (PostgreSQL's bigint). */
export function logBounds(row: Record<string, unknown> | undefined): LogBounds {
  const bounds = {} as LogBounds;
  for (const field of Object.keys(RANGE_SQL) as LogRangeField[]) {
    const min = row?.[`min_${field}`];
    const max = row?.[`max_${field}`];
    bounds[field] = min == null || max == null ? null : { min: Number(min), max: Number(max) };
  }
  return bounds;
}

/** What a spend limit counts against, as the `scope` column of the spend table. */
export function spendScopeKey(scope: SpendScope): string {
  if ('keyId' in scope) return `key:${scope.keyId}`;
  if ('gateway' in scope) return `gateway:${scope.gateway}`;
  return 'route' in scope ? `route:${scope.route}` : `rule:${scope.rule}`;
}

/** The spend scopes an entry's cost is added to: its gateway's, its key's, its route's and rules' counters. */
export function entrySpendScopes(entry: LogEntry): string[] {
  const scopes = [spendScopeKey({ gateway: entry.gateway })];
  if (entry.keyId !== null) scopes.push(spendScopeKey({ keyId: entry.keyId }));
  for (const scope of entry.spendScopes ?? []) scopes.push(spendScopeKey(scope));
  return scopes;
}

/**
 * What a batch adds to the spend table: each entry's cost to each of its scopes' hourly bucket,
 * summed so that a batch adds to a bucket once (one row each, as a multi-row upsert needs).
 */
export function spendAdditions(
  entries: Iterable<LogEntry>,
): Array<{ scope: string; bucket: number; cost: number }> {
  const spend = new Map<string, { scope: string; bucket: number; cost: number }>();
  for (const entry of entries) {
    if (entry.cost <= 0) continue;
    const bucket = spendBucket(entry.createdAt);
    for (const scope of entrySpendScopes(entry)) {
      const key = `${scope}\n${bucket}`;
      const sum = spend.get(key);
      if (sum) sum.cost += entry.cost;
      else spend.set(key, { scope, bucket, cost: entry.cost });
    }
  }
  return [...spend.values()];
}

/** Spend is counted in hourly buckets: a window starts at most an hour early. */
export const SPEND_BUCKET_MS = 3_600_000;

export function spendBucket(at: number): number {
  return Math.floor(at / SPEND_BUCKET_MS) * SPEND_BUCKET_MS;
}

const GROUP_SQL: Record<Exclude<AnalyticsDimension, `metadata.${string}`>, (d: LogSqlDialect) => string> = {
  model: () => 'model',
  provider: () => 'provider',
  gateway: () => 'gateway',
  key: () => 'key_id',
  project: () => 'project',
  prompt: (d) => d.jsonText('prompt.id'),
  // Two prompts' versions never merge; null (no prompt) stays null in both backends' `||`.
  prompt_version: (d) => `${d.jsonText('prompt.id')} || '@' || ${d.jsonText('prompt.version')}`,
};

/**
 * The SQL of an analytics group's value: a column, the stored prompt of the summary, or a
 * metadata key's value as text (null where absent).
 */
export function groupSql(dimension: AnalyticsDimension, dialect: LogSqlDialect): string {
  if (!dimension.startsWith(METADATA_GROUP_PREFIX))
    return GROUP_SQL[dimension as keyof typeof GROUP_SQL](dialect);
  const key = dimension.slice(METADATA_GROUP_PREFIX.length);
  // Spelled into the SQL, so checked here again whatever the caller checked.
  if (!METADATA_GROUP_KEY.test(key)) throw new Error(`not a metadata key to group by: ${key}`);
  return dialect.metadataText(key);
}

/** The SQL of an analytics bucket's start: `created_at` rounded down to the width, or `from` for one bucket over the whole range. */
export function bucketSql(query: { bucketMs: number; from?: number }): string {
  const width = Math.trunc(query.bucketMs);
  return width > 0 ? `(created_at / ${width}) * ${width}` : `${Math.trunc(query.from ?? 0)}`;
}
