import type { Context } from 'hono';
import { ApiError, badRequest, notFound, toApiError } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';
import { parseBody } from '../../api/request.ts';
import { RunApiRequest } from '../../api/run-api.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import type { CatalogModel } from '../../catalog/catalog-model.ts';
import { providerModel } from '../../catalog/provider-model.ts';
import { answerBody } from '../../formats/answer-body.ts';
import { renameErrorParam } from '../../formats/input-origin.ts';
import { modelStep } from '../../formats/parse-step.ts';
import { failedRun, polledRun, runServer } from '../../formats/run-api/run-answer.ts';
import { queuedGeneration } from '../../formats/workers-ai/batch-input.ts';
import { runEmbeddingOutput } from '../../formats/workers-ai/run-embeddings.ts';
import { runInputs, type RunInputs } from '../../formats/workers-ai/run-inputs.ts';
import { embedThroughGateway } from '../../gateway/embed-through-gateway.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { httpCall } from '../http-call.ts';
import type { JsonBody } from '../read-json.ts';
import { readJson } from '../read-json.ts';
import { sendJson } from '../send-answer.ts';

/** A background run's id: a batch of one (formats/workers-ai/batches.ts) under its own prefix. */
const RUN_ID = /^run_[0-9a-f]{1,64}$/;

/** An error about the model's input, named as the Run API's `input.<param>`. */
function withinInput<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ApiError && error.param === null && error.status === 400)
      throw badRequest('input', `input: ${error.message}`, error.code);
    throw renameErrorParam(error, (param) => `input.${param}`);
  }
}

/**
 * The catalog model a run names: with `provider`, a name in that provider's own terms
 * (`gpt-5.4-pro` for `openai`) and only a model it serves; an unknown model is a 404 naming
 * `model`, so a dynamic route (which the Run API does not run) is one too.
 */
function runModel(catalog: Catalog, request: RunApiRequest): CatalogModel {
  const { provider } = request;
  const model = catalog.known(provider ? providerModel(catalog, provider)(request.model) : request.model);
  if (provider !== undefined && model.provider !== provider)
    throw badRequest(
      'provider',
      `The model '${clip(model.id)}' is served by the provider '${model.provider}', not '${clip(provider)}'.`,
      'invalid_value',
    );
  return model;
}

/**
 * AI Gateway's Run API (beta): `POST .../run` runs `{model, input}` through the gateway (the
 * key, its model scope, rate and spend limits, the log and cost, as every entry point) and
 * answers `{state: 'Completed', result, usedBYOKKey, provider, model}`, or `{state: 'Failed',
 * error}` with the failure's status. As Cloudflare documents for it: no cache, no streaming, no
 * dynamic routes or model fallbacks. Input is read as `ai/run` reads it (runInputs). With
 * `background: true` the run is queued as a durable background response (it outlives a restart)
 * and polled at `GET .../run/{run_id}`, by its own project only.
 */
export function runApi(runtime: Runtime) {
  const create = async (c: Context<AppEnv>): Promise<Response> => {
    const body = await readJson(c.env);
    const request = parseBody(RunApiRequest, body.value);
    const model = runModel(runtime.catalog, request);
    const server = runServer(model.id, model);
    const inputs = withinInput(() => runInputs(model.id, request.input, false));
    if (request.background) return queue(c, body, model.id, request.input, inputs, server);
    if (inputs.kind === 'generation' && inputs.parsed.stream)
      throw badRequest(
        'input.stream',
        'The Run API does not stream: leave stream out.',
        'unsupported_parameter',
      );
    const parsed = inputs.kind === 'generation' ? inputs.parsed : modelStep(model.id);
    const { call, abort } = httpCall(c, [parsed], body, { modelFallbacks: false });
    call.options.skipCache = true;
    // Known once the model was called: whether a key stored for the gateway served it.
    const served = () => ({ ...server, usedBYOKKey: call.storedKeyUsed === true });
    try {
      if (inputs.kind === 'embedding') {
        const answer = await embedThroughGateway(runtime, call, inputs.request, runEmbeddingOutput);
        return sendJson(c, { state: 'Completed', result: answer.value, ...served() }, 200, answer.headers);
      }
      const answer = await runtime.gateway.run(call);
      const result = await answerBody(parsed, answer.events, abort);
      return sendJson(
        c,
        { state: 'Completed', result: 'json' in result ? result.json : null, ...served() },
        200,
        answer.headers,
      );
    } catch (thrown) {
      const error = toApiError(thrown);
      return sendJson(c, failedRun(error, served()), error.status, {});
    }
  };

  /** Queues a generation as a background run: admitted and checked now, its id answered at once. */
  const queue = async (
    c: Context<AppEnv>,
    body: JsonBody,
    model: string,
    input: Record<string, unknown>,
    inputs: RunInputs,
    server: ReturnType<typeof runServer>,
  ): Promise<Response> => {
    if (inputs.kind === 'embedding')
      throw badRequest(
        'background',
        'An embedding is answered at once: leave background out.',
        'unsupported_parameter',
      );
    if (inputs.parsed.stream)
      throw badRequest(
        'input.stream',
        'A background run does not stream: leave stream out.',
        'unsupported_parameter',
      );
    const generation = withinInput(() => queuedGeneration(model, input));
    const { call } = httpCall(c, [], body, { modelFallbacks: false });
    const owner = c.get('owner');
    try {
      const queued = await runtime.batches.submit(
        call,
        owner,
        model,
        [{ ...generation, externalReference: null }],
        'run',
      );
      return sendJson(c, { state: 'Queued', runId: queued.request_id, model }, 200, {});
    } catch (thrown) {
      // Refused as it was queued (a key's scope, a rate or spend limit): failed as a run that
      // ran at once fails, so a client reads one shape whatever `background` says.
      const error = toApiError(thrown);
      return sendJson(c, failedRun(error, server), error.status, {});
    }
  };

  const poll = async (c: Context<AppEnv>): Promise<Response> => {
    const id = c.req.param('run_id') ?? '';
    const read = RUN_ID.test(id) ? await runtime.batches.read(id, c.get('owner')) : undefined;
    const entry = read?.batch.entries[0];
    if (!read || !entry) throw notFound(`No run found with id '${clip(id)}'.`, 'run_not_found', 'run_id');
    const server = runServer(read.batch.model, runtime.catalog.get(read.batch.model));
    return sendJson(c, polledRun(id, entry, read.responses[0], server), 200, {});
  };

  return { create, poll };
}
