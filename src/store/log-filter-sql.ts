import type {
  LogEntry,
  LogFilter,
  LogOrderField,
  LogPageQuery,
  LogRangeField,
  SpendScope,
} from './log-store.ts';

/**
 * A log filter as SQL for either backend: the WHERE text, with each value bound through
 * `placeholder` (SQLite's `?`, PostgreSQL's `$n`), and the values in order.
 */
export function logFilterSql(
  filter: LogFilter,
  placeholder: (index: number) => string,
  values: unknown[] = [],
): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const bind = (value: unknown) => {
    values.push(value);
    return placeholder(values.length);
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

const ORDER_SQL: Record<LogOrderField, string | null> = {
  created_at: null,
  provider: 'provider',
  model: 'model',
  success: 'success',
  cached: `(CASE WHEN cache_status = 'HIT' THEN 1 ELSE 0 END)`,
};

/**
 * A log page's ORDER BY, LIMIT and OFFSET for either backend: its field first (missing values
 * last, as both backends then agree), then time and id, which keeps pages stable.
 */
export function logPageSql(page: LogPageQuery, bind: (value: unknown) => string): string {
  const direction = page.order === 'asc' ? 'ASC' : 'DESC';
  const field = ORDER_SQL[page.orderBy ?? 'created_at'];
  const first = field === null ? '' : `${field} ${direction} NULLS LAST, `;
  // Bound in the order they appear: SQLite's `?` are positional.
  const limit = `LIMIT ${bind(page.limit + 1)}`;
  const offset = page.offset ? ` OFFSET ${bind(page.offset)}` : '';
  return `ORDER BY ${first}created_at ${direction}, id ${direction} ${limit}${offset}`;
}

/** What a spend limit counts against, as the `scope` column of the spend table. */
export function spendScopeKey(scope: SpendScope): string {
  if ('keyId' in scope) return `key:${scope.keyId}`;
  return 'gateway' in scope ? `gateway:${scope.gateway}` : `route:${scope.route}`;
}

/** The spend scopes an entry's cost is added to: its gateway's, its key's, its route counters'. */
export function entrySpendScopes(entry: LogEntry): string[] {
  const scopes = [spendScopeKey({ gateway: entry.gateway })];
  if (entry.keyId !== null) scopes.push(spendScopeKey({ keyId: entry.keyId }));
  for (const route of entry.routeCounters ?? []) scopes.push(spendScopeKey({ route }));
  return scopes;
}

/** Spend is counted in hourly buckets: a window starts at most an hour early. */
export const SPEND_BUCKET_MS = 3_600_000;

export function spendBucket(at: number): number {
  return Math.floor(at / SPEND_BUCKET_MS) * SPEND_BUCKET_MS;
}

export const GROUP_COLUMN = {
  model: 'model',
  provider: 'provider',
  gateway: 'gateway',
  key: 'key_id',
  project: 'project',
} as const;

/** The SQL of an analytics bucket's start: `created_at` rounded down to the width, or `from` for one bucket over the whole range. */
export function bucketSql(query: { bucketMs: number; from?: number }): string {
  const width = Math.trunc(query.bucketMs);
  return width > 0 ? `(created_at / ${width}) * ${width}` : `${Math.trunc(query.from ?? 0)}`;
}
