import { Hono } from 'hono';
import {
  AnalyticsQuery,
  CloudflareLogListQuery,
  LogFilterQuery,
  LogListQuery,
  PatchLogRequest,
} from '../../api/logs.ts';
import { parseBody } from '../../api/request.ts';
import { analyticsObject, logObject } from '../../gateway/log-objects.ts';
import type { Runtime } from '../../runtime.ts';
import type { LogFilter } from '../../store/log-store.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';

/** Seven days: what an analytics query without `from` covers. */
const DEFAULT_RANGE_MS = 7 * 86_400_000;

export function logFilter(query: ReturnType<typeof LogFilterQuery.parse>): LogFilter {
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
  return filter;
}

/** Cloudflare's log list filters as a store's (see CloudflareLogListQuery). */
export function cloudflareLogFilter(query: CloudflareLogListQuery): LogFilter {
  const filter = logFilter({
    ...query,
    ...(query.start_date !== undefined ? { from: query.start_date } : {}),
    ...(query.end_date !== undefined ? { to: query.end_date } : {}),
  });
  const ranges: NonNullable<LogFilter['ranges']> = {};
  for (const field of ['cost', 'duration', 'tokens_in', 'tokens_out', 'total_tokens'] as const) {
    const min = query[`min_${field}`];
    const max = query[`max_${field}`];
    if (min !== undefined || max !== undefined)
      ranges[field] = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }
  return Object.keys(ranges).length ? { ...filter, ranges } : filter;
}

/**
 * `GET /v1/logs` (filters, pagination, order), `GET /v1/logs/:id` (with bodies),
 * `PATCH /v1/logs/:id` (feedback, score, metadata) and `GET /v1/analytics`. A key reads its
 * own project's logs; an admin key every project's (or one, with `project`).
 */
export function logsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const logs = runtime.gateway.logs;

  app.get('/logs', async (c) => {
    const query = parseBody(LogListQuery, c.req.query());
    const page = await logs.query(c.get('principal'), logFilter(query), {
      limit: query.limit,
      order: query.order,
      ...(query.after !== undefined ? { after: query.after } : {}),
    });
    const data = page.data.map((entry) => logObject(entry, false));
    return c.json({
      object: 'list',
      data,
      has_more: page.hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  });

  app.get('/logs/:id', async (c) =>
    c.json(logObject(await logs.get(c.get('principal'), c.req.param('id')), true)),
  );

  app.patch('/logs/:id', async (c) => {
    const patch = parseBody(PatchLogRequest, (await readJson(c.env)).value);
    return c.json(logObject(await logs.patch(c.get('principal'), c.req.param('id'), patch), true));
  });

  app.get('/analytics', async (c) => {
    const query = parseBody(AnalyticsQuery, c.req.query());
    await runtime.gateway.flushLogs();
    const filter = logFilter(query);
    const to = filter.to ?? Date.now();
    const from = filter.from ?? to - DEFAULT_RANGE_MS;
    const project = logs.scope(c.get('principal'), filter.project);
    const rows = await runtime.stores.logs.analytics({
      ...filter,
      from,
      to,
      ...(project !== undefined ? { project } : {}),
      bucketMs: query.bucket,
      ...(query.group_by !== undefined ? { groupBy: query.group_by } : {}),
    });
    return c.json({
      object: 'analytics',
      from: Math.floor(from / 1000),
      to: Math.floor(to / 1000),
      bucket: query.bucket / 1000,
      group_by: query.group_by ?? null,
      data: rows.map(analyticsObject),
    });
  });

  return app;
}
