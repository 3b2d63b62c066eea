import { Hono } from 'hono';
import { AnalyticsQuery, LogDeleteQuery, LogListQuery, PatchLogRequest } from '../../api/logs.ts';
import { parseBody } from '../../api/request.ts';
import { analyticsObject, logObject } from '../../gateway/log-objects.ts';
import { logFilter, parseLogQuery } from '../../gateway/log-query.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';

/** Seven days: what an analytics query without `from` covers. */
const DEFAULT_RANGE_MS = 7 * 86_400_000;

/**
 * `GET /v1/logs` (filters, search, pagination, order), `DELETE /v1/logs` (what the same
 * filters find), `GET /v1/logs/:id` (with bodies),
 * `PATCH /v1/logs/:id` (feedback, score, metadata) and `GET /v1/analytics`. A key reads its
 * own project's logs; an admin key every project's (or one, with `project`).
 */
export function logsRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const logs = runtime.gateway.logs;

  app.get('/logs', async (c) => {
    const { query, filters } = parseLogQuery(LogListQuery, c.req.url);
    const page = await logs.query(c.get('principal'), logFilter(query, filters), {
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

  app.delete('/logs', async (c) => {
    const { query, filters } = parseLogQuery(LogDeleteQuery, c.req.url);
    const deleted = await logs.delete(c.get('principal'), logFilter(query, filters), {
      order: query.order,
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
    });
    return c.json({ object: 'gateway.logs.deleted', deleted });
  });

  app.get('/logs/:id', async (c) =>
    c.json(logObject(await logs.get(c.get('principal'), c.req.param('id')), true)),
  );

  app.patch('/logs/:id', async (c) => {
    const patch = parseBody(PatchLogRequest, (await readJson(c.env)).value);
    return c.json(logObject(await logs.patch(c.get('principal'), c.req.param('id'), patch), true));
  });

  app.get('/analytics', async (c) => {
    const { query, filters } = parseLogQuery(AnalyticsQuery, c.req.url);
    await runtime.gateway.flushLogs();
    const filter = logFilter(query, filters);
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
