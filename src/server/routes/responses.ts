import { Hono } from 'hono';
import { badRequest, notFound } from '../../api/errors.ts';
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
    if (request.background) {
      // Answered at once; the run goes on whoever is connected. A stream only follows it.
      const queued = await runtime.background.enqueue(request, c.var.owner);
      if (!request.stream) return c.json(queued);
      const events = await runtime.background.follow(queued.id, c.var.owner, -1, signal);
      return eventStreamResponse(sseStream(events, abort), {});
    }
    const { events, warnings } = await startResponse(request, runtime.engine(c.var.owner), signal);
    if (!request.stream) return c.json(await finalResponse(events), 200, warningsHeader(warnings));
    return eventStreamResponse(sseStream(events, abort), warningsHeader(warnings));
  });

  app.get('/responses/:id', async (c) => {
    const id = c.req.param('id');
    const { stream, after } = streamQuery(c.req.query());
    if (stream) {
      const { signal, abort } = generationAbort(c.req.raw);
      const events = await runtime.background.follow(id, c.var.owner, after, signal);
      return eventStreamResponse(sseStream(events, abort), {});
    }
    const response = await runtime.stores.responses.get(id, c.var.owner);
    if (!response) throw responseNotFound(id);
    return c.json(response);
  });

  app.post('/responses/:id/cancel', async (c) => {
    return c.json(await runtime.background.cancel(c.req.param('id'), c.var.owner));
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

/** `stream` and `starting_after` of `GET /responses/:id`: replay a background response's events after a sequence number. */
function streamQuery(query: Record<string, string>): { stream: boolean; after: number } {
  if (query.stream !== undefined && query.stream !== 'true' && query.stream !== 'false')
    throw badRequest('stream', "stream must be 'true' or 'false'.");
  const after = query.starting_after === undefined ? -1 : Number(query.starting_after);
  if (!Number.isInteger(after) || after < -1)
    throw badRequest('starting_after', 'starting_after must be a sequence number: an integer of 0 or more.');
  return { stream: query.stream === 'true', after };
}

function responseNotFound(id: string) {
  return notFound(`No response found with id '${id}'.`, 'response_not_found', 'response_id');
}
