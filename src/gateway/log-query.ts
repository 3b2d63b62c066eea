import type { z } from 'zod';
import { logConditions, type LogFilterSpec } from '../api/log-conditions.ts';
import { splitLogQuery } from '../api/log-filter-query.ts';
import type { CloudflareLogListQuery, LogFilterQuery } from '../api/logs.ts';
import { parseBody } from '../api/request.ts';
import type { LogCondition, LogFilter } from '../store/log-store.ts';

/**
 * A log query's filters as a store's: the list filters, the word search, `feedback` and
 * `model_type`, and Cloudflare's structured `filters` (read apart by splitLogQuery).
 */
export function logFilter(query: LogFilterFields, filters: readonly LogFilterSpec[] = []): LogFilter {
  const filter: LogFilter = {};
  if (query.project !== undefined) filter.project = query.project;
  if (query.gateway !== undefined) filter.gateway = query.gateway;
  if (query.model !== undefined) filter.model = query.model;
  if (query.provider !== undefined) filter.provider = query.provider;
  if (query.key_id !== undefined) filter.keyId = query.key_id;
  if (query.success !== undefined) filter.success = query.success;
  if (query.cached !== undefined) filter.cached = query.cached;
  if (query.event_id !== undefined) filter.eventId = query.event_id;
  if (query.from !== undefined) filter.from = query.from;
  if (query.to !== undefined) filter.to = query.to;
  if (query.search !== undefined) filter.search = query.search;
  const conditions: LogCondition[] = [];
  const eq = (field: LogCondition['field'], value: string | number | undefined) => {
    if (value !== undefined) conditions.push({ field, operator: 'eq', values: [value] });
  };
  eq('feedback', query.feedback);
  eq('model_type', query.model_type);
  eq('request_content_type', query.request_content_type);
  eq('response_content_type', query.response_content_type);
  conditions.push(...logConditions(filters));
  if (conditions.length) filter.conditions = conditions;
  return filter;
}

type LogFilterFields = z.output<typeof LogFilterQuery> & {
  request_content_type?: string | undefined;
  response_content_type?: string | undefined;
};

/** Cloudflare's log list filters as a store's (see CloudflareLogListQuery). */
export function cloudflareLogFilter(
  query: CloudflareLogListQuery,
  filters: readonly LogFilterSpec[] = [],
): LogFilter {
  const filter = logFilter(
    {
      ...query,
      ...(query.start_date !== undefined ? { from: query.start_date } : {}),
      ...(query.end_date !== undefined ? { to: query.end_date } : {}),
    },
    filters,
  );
  const ranges: NonNullable<LogFilter['ranges']> = {};
  for (const field of ['cost', 'duration', 'tokens_in', 'tokens_out', 'total_tokens'] as const) {
    const min = query[`min_${field}`];
    const max = query[`max_${field}`];
    if (min !== undefined || max !== undefined)
      ranges[field] = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }
  return Object.keys(ranges).length ? { ...filter, ranges } : filter;
}

/** A log query's parameters through `schema`, and its structured filters beside them. */
export function parseLogQuery<S extends z.ZodType>(
  schema: S,
  url: string,
): { query: z.output<S>; filters: LogFilterSpec[] } {
  const { rest, filters = [] } = splitLogQuery(url);
  return { query: parseBody(schema, rest), filters };
}
