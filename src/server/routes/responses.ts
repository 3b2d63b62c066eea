import { Hono, type Context } from 'hono';
import { badRequest, notFound } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';
import type { Runtime } from '../../runtime.ts';
import type { PageQuery } from '../../store/response-store.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall } from '../http-call.ts';
import type { AppOptions } from '../app.ts';
import { readJson } from '../read-json.ts';
import { responsesSocketRoute } from './responses-socket-route.ts';
import { responsesStep, type ModelName } from '../../formats/parse-step.ts';
import { renderAnswer } from '../render-answer.ts';

/** Serves `POST /v1/responses` (and its copies under Workers AI's and AI Gateway's URLs). */
export function createResponseHandler(runtime: Runtime, modelName?: ModelName, wrapped = false) {
  return async (c: Context<AppEnv>) => {
    const body = await readJson(c.req.raw);
    const parsed = responsesStep(body.value, modelName, wrapped);
    const { call, abort } = httpCall(c, [parsed], body);
    return renderAnswer(c, parsed, call, await runtime.gateway.run(call), abort);
  };
}

export function responsesRoutes(runtime: Runtime, options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/responses', responsesSocketRoute(runtime, options.socketLifetimeMs));

  app.post('/responses', createResponseHandler(runtime));

  app.get('/responses/:id', async (c) => {
    const response = await runtime.stores.responses.get(c.req.param('id'), c.var.owner);
    if (!response) throw responseNotFound(c.req.param('id'));
    return c.json(response);
  });

  app.delete('/responses/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await runtime.stores.responses.delete(id, c.var.owner))) throw responseNotFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });

  app.get('/responses/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const page = await runtime.stores.responses.inputItems(id, c.var.owner, pageQuery(c.req.query()));
    if (!page) throw responseNotFound(id);
    return c.json(page);
  });

  return app;
}

function responseNotFound(id: string) {
  return notFound(`No response found with id '${clip(id)}'.`, 'response_not_found', 'response_id');
}

/** `limit` (1-100, default 20), `order` (asc|desc, default desc) and `after` of the list endpoints. */
export function pageQuery(query: Record<string, string>): PageQuery {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw badRequest('limit', 'limit must be an integer from 1 to 100.');
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw badRequest('order', "order must be 'asc' or 'desc'.");
  return { limit, order, ...(query.after ? { after: query.after } : {}) };
}
