import type { Hono } from 'hono';
import { pagedEnvelope } from '../../formats/workers-ai/cloudflare-page.ts';
import { notFound } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';
import { CloudflareLogDeleteQuery, CloudflareLogListQuery, PatchLogRequest } from '../../api/logs.ts';
import { parseBody } from '../../api/request.ts';
import { envelope } from '../../api/workers-ai-envelope.ts';
import { cloudflareLogObject } from '../../gateway/log-objects.ts';
import type { Runtime } from '../../runtime.ts';
import type { LogBounds } from '../../store/log-store.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../read-json.ts';
import { cloudflareLogFilter, logFilter, parseLogQuery } from '../../gateway/log-query.ts';

/**
 * AI Gateway's log API under `/client/v4/accounts/:account`, as Cloudflare's SDK
 * (`aiGateway.logs`) and the binding's getLog / patchLog call it: list (search, filters,
 * meta_info), delete, get, patch, and each log's stored request and response.
 */
export function cloudflareLogRoutes(app: Hono<AppEnv>, runtime: Runtime): void {
  app.get('/ai-gateway/gateways/:gateway/logs', async (c) => {
    const { query, filters } = parseLogQuery(CloudflareLogListQuery, c.req.url);
    const filter = { ...cloudflareLogFilter(query, filters), gateway: c.req.param('gateway') ?? '' };
    const principal = c.get('principal');
    const page = await runtime.gateway.logs.query(principal, filter, {
      limit: query.per_page,
      offset: (query.page - 1) * query.per_page,
      order: query.order_by_direction ?? query.direction ?? 'desc',
      orderBy: query.order_by,
    });
    return c.json(
      pagedEnvelope(
        page.data.map((entry) => cloudflareLogObject(entry, false)),
        query,
        await runtime.gateway.logs.count(principal, filter),
        query.meta_info ? boundsInfo(await runtime.gateway.logs.bounds(principal, filter)) : {},
      ),
    );
  });
  app.delete('/ai-gateway/gateways/:gateway/logs', async (c) => {
    const { query, filters } = parseLogQuery(CloudflareLogDeleteQuery, c.req.url);
    const filter = { ...logFilter(query, filters), gateway: c.req.param('gateway') ?? '' };
    const deleted = await runtime.gateway.logs.delete(c.get('principal'), filter, {
      order: query.order_by_direction,
      orderBy: query.order_by,
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
    });
    return c.json(envelope({ success: true, deleted }));
  });
  // The stored bodies, as sent and answered; a 404 where the gateway kept none.
  for (const part of ['request', 'response'] as const)
    app.get(`/ai-gateway/gateways/:gateway/logs/:id/${part}`, async (c) => {
      const id = c.req.param('id') ?? '';
      const entry = await runtime.gateway.logs.get(c.get('principal'), id, c.req.param('gateway'));
      const body = part === 'request' ? entry.requestBody : entry.responseBody;
      if (body === null || body === undefined)
        throw notFound(
          `The log '${clip(id)}' kept no ${part} body (payloads were not collected for it).`,
          'log_body_not_found',
          'id',
        );
      return c.json(body as object);
    });
  app.get('/ai-gateway/gateways/:gateway/logs/:id', async (c) =>
    c.json(
      envelope(
        cloudflareLogObject(
          await runtime.gateway.logs.get(c.get('principal'), c.req.param('id') ?? '', c.req.param('gateway')),
          true,
        ),
      ),
    ),
  );
  app.patch('/ai-gateway/gateways/:gateway/logs/:id', async (c) => {
    const patch = parseBody(PatchLogRequest, (await readJson(c.env)).value);
    await runtime.gateway.logs.patch(
      c.get('principal'),
      c.req.param('id') ?? '',
      patch,
      c.req.param('gateway'),
    );
    return c.json(envelope({}));
  });
}

/** Cloudflare's `meta_info`: `min_cost`, `max_cost`, ... of what the list found; 0 when it found nothing. */
function boundsInfo(bounds: LogBounds): Record<string, number> {
  const info: Record<string, number> = {};
  for (const [field, range] of Object.entries(bounds)) {
    info[`min_${field}`] = range?.min ?? 0;
    info[`max_${field}`] = range?.max ?? 0;
  }
  return info;
}
