import { Hono } from 'hono';
import { notFound } from '../../api/errors.ts';
import { CreateResponseRequest, parseBody } from '../../api/request.ts';
import { warningsHeader } from '../../api/warnings-header.ts';
import { startResponse } from '../../engine/create-response.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { pageQuery } from '../page-query.ts';
import { readJson } from '../read-json.ts';
import { finalResponse } from '../../engine/final-response.ts';
import { sseStream } from '../../stream/response-sse.ts';
import { eventStreamResponse, generationAbort } from '../stream-response.ts';

export function responsesRoutes(runtime: Runtime): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/responses', async (c) => {
    const request = parseBody(CreateResponseRequest, await readJson(c.req.raw));
    const { signal, abort } = generationAbort(c.req.raw);
    const { events, warnings } = await startResponse(request, runtime.engine(c.var.owner), signal);
    if (!request.stream) return c.json(await finalResponse(events), 200, warningsHeader(warnings));
    return eventStreamResponse(sseStream(events, abort), warningsHeader(warnings));
  });

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
  return notFound(`No response found with id '${id}'.`, 'response_not_found', 'response_id');
}
