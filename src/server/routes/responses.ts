import { Hono, type Context } from 'hono';
import { badRequest, notFound } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';
import { envelope } from '../../api/workers-ai-envelope.ts';
import { parseBody } from '../../api/request.ts';
import { TokenCountsBody } from '../../api/token-counts.ts';
import { CompactRequest } from '../../api/compact.ts';
import type { GatewayCall } from '../../gateway/gateway-call.ts';
import { DEFAULT_MODEL_ALIAS, type Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall } from '../http-call.ts';
import type { AppOptions } from '../app.ts';
import { pageQuery } from '../page-query.ts';
import { includeQuery } from '../include-query.ts';
import { readJson } from '../read-json.ts';
import { responsesSocketRoute } from './responses-socket-route.ts';
import { itemsForClient } from '../../api/include.ts';
import { sseText } from '../../stream/response-sse.ts';
import { generationAbort } from '../generation-abort.ts';
import { sendEventStream, sendJson } from '../send-answer.ts';
import { modelStep, responsesStep, type ModelName, type ParsedStep } from '../../formats/parse-step.ts';
import { renderAnswer } from '../render-answer.ts';

/** Serves `POST /v1/responses` (and its copies under Workers AI's and AI Gateway's URLs). */
export function createResponseHandler(runtime: Runtime, modelName?: ModelName, wrapped = false) {
  return async (c: Context<AppEnv>) => {
    const body = await readJson(c.env);
    const parsed = responsesStep(body.value, modelName, wrapped);
    const { call, abort } = httpCall(c, [parsed], body);
    if (parsed.step.request.background) return backgroundAnswer(c, runtime, parsed, call);
    return renderAnswer(c, parsed, call, await runtime.gateway.run(call), abort);
  };
}

export function responsesRoutes(runtime: Runtime, options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/responses', responsesSocketRoute(runtime, options.socketLifetimeMs));

  app.post('/responses', createResponseHandler(runtime));

  app.post('/responses/compact', async (c) => {
    const body = await readJson(c.env);
    const request = parseBody(CompactRequest, body.value);
    const { call } = httpCall(c, [modelStep(request.model)], body);
    const answer = await runtime.gateway.operate(call, async (principal, storedKeys) => {
      const compacted = await runtime.compact(request, principal.project, call.signal, storedKeys);
      return { value: compacted, usage: compacted.usage };
    });
    return sendJson(c, answer.value, 200, answer.headers);
  });

  app.post('/responses/input_tokens', async (c) => {
    const body = await readJson(c.env);
    const { personality: _personality, ...fields } = parseBody(TokenCountsBody, body.value);
    const request = { ...fields, model: fields.model ?? defaultModel(runtime), input: fields.input ?? [] };
    // Counting a model's tokens is using it: the key's model scope and limits apply, and it is logged.
    const { call } = httpCall(c, [modelStep(request.model)], body);
    const answer = await runtime.gateway.operate(call, async (principal, storedKeys) => ({
      value: await runtime.inputTokens(request, principal.project, call.signal, storedKeys),
    }));
    return sendJson(c, answer.value, 200, answer.headers);
  });

  app.get('/responses/:id', async (c) => {
    const id = c.req.param('id');
    const { stream, after } = streamQuery(c.req.query());
    if (stream) {
      const { signal, abort } = generationAbort(c.env.outgoing);
      const events = await runtime.background.follow(id, c.get('owner'), after, signal);
      c.get('leaveWork')();
      return sendEventStream(c, sseText(events, abort), {});
    }
    const response = await runtime.stores.responses.get(id, c.get('owner'));
    if (!response) throw responseNotFound(id);
    return c.json({ ...response, output: itemsForClient(response.output, includeQuery(c.req.queries())) });
  });

  app.post('/responses/:id/cancel', async (c) => {
    return c.json(await runtime.background.cancel(c.req.param('id'), c.get('owner')));
  });

  app.delete('/responses/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await runtime.stores.responses.delete(id, c.get('owner')))) throw responseNotFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });

  app.get('/responses/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const page = await runtime.stores.responses.inputItems(id, c.get('owner'), pageQuery(c.req.query()));
    if (!page) throw responseNotFound(id);
    return c.json({ ...page, data: itemsForClient(page.data, includeQuery(c.req.queries())) });
  });

  return app;
}

/** The model a token count without one counts for: `default_model`'s, where the config names one. */
function defaultModel(runtime: Runtime): string {
  if (runtime.catalog.get(DEFAULT_MODEL_ALIAS)) return DEFAULT_MODEL_ALIAS;
  throw badRequest(
    'model',
    'model is required: this server has no default_model to count with.',
    'missing_required_parameter',
  );
}

function responseNotFound(id: string) {
  return notFound(`No response found with id '${clip(id)}'.`, 'response_not_found', 'response_id');
}

/**
 * A background request: queued and answered at once (the queued response, or a stream that
 * follows the run without owning it: a client that leaves stops only its stream). The run
 * goes through the gateway of this request when a worker takes it.
 */
async function backgroundAnswer(
  c: Context<AppEnv>,
  runtime: Runtime,
  parsed: ParsedStep,
  call: GatewayCall,
): Promise<Response> {
  const queued = await runtime.background.submit(call);
  if (!parsed.stream)
    return c.json(parsed.format.kind === 'responses' && parsed.format.envelope ? envelope(queued) : queued);
  const { signal, abort } = generationAbort(c.env.outgoing);
  const events = await runtime.background.follow(queued.id, c.get('owner'), -1, signal);
  c.get('leaveWork')();
  return sendEventStream(c, sseText(events, abort), {});
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
