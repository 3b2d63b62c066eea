import { badRequest } from './api/errors.ts';
import { PatchLogRequest } from './api/logs.ts';
import { checkJsonDepth } from './api/parse-json-text.ts';
import { parseBody } from './api/request.ts';
import { answerBody } from './formats/answer-body.ts';
import { sseText } from './stream/response-sse.ts';
import { readableEventStream, type EventText } from './stream/event-stream.ts';
import { jsonText } from './api/response-json.ts';
import { modelStep, workersAiStep, type ParsedStep } from './formats/parse-step.ts';
import {
  isRunEmbeddingInput,
  runEmbeddingCall,
  runEmbeddingOutput,
} from './formats/workers-ai/run-embeddings.ts';
import { embedThroughGateway } from './gateway/embed-through-gateway.ts';
import { universalSteps } from './formats/universal-steps.ts';
import { batchAsk } from './formats/workers-ai/batch-input.ts';
import { logObject } from './gateway/log-objects.ts';
import { failureIds } from './gateway/log-request.ts';
import { optionsFromBinding, type GatewayOptions } from './gateway/options-from-binding.ts';
import { optionsFromHeaders } from './gateway/options-from-headers.ts';
import type { Principal } from './gateway/principal.ts';
import type { GatewayCall } from './gateway/gateway-call.ts';
import type { RequestOptions } from './gateway/request-options.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime.ts';
import { DEFAULT_PROJECT } from './store/owner.ts';
import { ModelSearchQuery, searchModels, type searchResult } from './formats/workers-ai/model-search.ts';
import { z } from 'zod';

/** `AiOptions` of Workers AI's `env.AI.run`, the parts Portico honours. */
export interface RunOptions {
  gateway?: GatewayOptions;
  signal?: AbortSignal;
  /** Resolve to the HTTP `Response` instead of its parsed body. */
  returnRawResponse?: boolean;
  /** More request headers: `cf-aig-*` ones act as on HTTP (the `gateway` options win). */
  extraHeaders?: Record<string, string>;
  /** Submit `{requests: [...]}` as a batch: resolves to `{status: 'queued', model, request_id}`, polled with `{request_id}`. */
  queueRequest?: boolean;
  /** WebSocket mode is served over HTTP (`ws://.../v1/responses`): true is refused. */
  websocket?: boolean;
  /** Checked as Cloudflare does (at most 5, each 1 to 50 of letters, digits and `: - . / @`); Portico keeps no tags. */
  tags?: string[];
  /** Accepted, without effect: Cloudflare's types declare it without saying what it does. */
  prefix?: string;
}

export interface AiModelsSearchParams {
  search?: string;
  task?: string;
  author?: string;
  page?: number;
  per_page?: number;
}

/** `AiGateway` of the binding: one gateway's logs, URL and universal requests. */
export interface AiGateway {
  getLog(logId: string): Promise<Omit<ReturnType<typeof logObject>, 'created_at'> & { created_at: Date }>;
  patchLog(
    logId: string,
    data: { score?: number | null; feedback?: -1 | 1 | null; metadata?: Record<string, unknown> | null },
  ): Promise<void>;
  getUrl(provider?: string): Promise<string>;
  run(
    request: UniversalRequest | UniversalRequest[],
    options?: {
      gateway?: Omit<GatewayOptions, 'id'>;
      extraHeaders?: Record<string, string>;
      signal?: AbortSignal;
    },
  ): Promise<Response>;
}

export interface UniversalRequest {
  provider: string;
  endpoint: string;
  headers?: Record<string, unknown>;
  query: unknown;
}

export interface AI {
  /**
   * Runs a model in-process, as Workers AI's `env.AI.run(model, inputs, options)`, through
   * the gateway (`options.gateway.id`, default `default`): resolves to the Response object
   * (or, for `prompt` / `messages` inputs, `{response, usage}`; for `text`, the embeddings as
   * `{shape, data}`), or to a ReadableStream of the SSE bytes when `inputs.stream`. With
   * `options.queueRequest`, `{requests: [...]}` is a batch (resolves to `{status, model,
   * request_id}`); `{request_id}` polls it.
   */
  run(
    model: string,
    inputs: Record<string, unknown>,
    options?: RunOptions,
  ): Promise<Record<string, unknown> | ReadableStream<Uint8Array> | Response>;
  /** The catalog, as Workers AI's model search lists it. */
  models(params?: AiModelsSearchParams): Promise<Array<ReturnType<typeof searchResult>>>;
  gateway(gatewayId: string): AiGateway;
  /** The log id of the latest request through a gateway (null before one, or when it was not logged). */
  readonly aiGatewayLogId: string | null;
  /** Closes the runtime (its stores, its models); calls after it reject. */
  close(): Promise<void>;
}

export interface BindingOptions extends RuntimeOptions {
  /** The project of everything this binding stores, and of the logs it reads; default `default`. */
  project?: string;
  /** Where a Portico server for this data lives, for `gateway(id).getUrl()`; default http://127.0.0.1:8787. */
  baseUrl?: string;
  /** The account segment of gateway URLs; default `portico`. */
  accountId?: string;
}

/**
 * The Workers-AI-style binding: every call goes through the same gateway as HTTP requests
 * (logs, limits, cache, retries), pre-authenticated as a Workers binding is by its account.
 */
export function createAI(options: BindingOptions = {}): AI {
  let runtime: Promise<Runtime> | undefined;
  const project = options.project ?? DEFAULT_PROJECT;
  // Logs are read as its project's key reads them: that project's only (its runs are trusted, an admin's).
  const logReader: Principal = { project, keyId: null, scopes: {}, authenticated: true };
  let lastLogId: string | null = null;

  const headerOptions = (extra: Record<string, string> | undefined, warnings: string[]) =>
    extra ? optionsFromHeaders(new Headers(extra), warnings) : {};

  const linkedAbort = (signal: AbortSignal | undefined) => {
    const abort = new AbortController();
    if (signal?.aborted) abort.abort(signal.reason);
    else signal?.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
    return abort;
  };

  /** The streams handed out and not yet read to their end: close() cancels them. */
  const unfinished = new Set<EventText>();
  /** A stream of `text` for the caller, cancelled by close() if it is still being read (or never was). */
  const streamOf = (text: EventText): ReadableStream<Uint8Array> => {
    unfinished.add(text);
    return readableEventStream({
      async next() {
        const batch = await text.next();
        if (!batch || batch.last) unfinished.delete(text);
        return batch;
      },
      cancel() {
        unfinished.delete(text);
        return text.cancel();
      },
    });
  };
  const toResponse = (body: Awaited<ReturnType<typeof answerBody>>, headers: Record<string, string>) =>
    'json' in body
      ? new Response(jsonText(body.json), { headers: { ...headers, 'content-type': 'application/json' } })
      : new Response(streamOf(body.stream), {
          headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8' },
        });

  let closed = false;
  /** The runtime, opened at the first call; a closed binding says so rather than fail on a closed database. */
  const ready = () => {
    if (closed) throw new Error('This binding was closed (ai.close()): make another with createAI().');
    return (runtime ??= createRuntime(options));
  };

  /**
   * A batch's answer when `inputs` are one (`{requests}` with `queueRequest`, or a poll's
   * `{request_id}`): submitted or read back for this binding's project; undefined otherwise.
   */
  const batchAnswer = async (
    model: string,
    inputs: Record<string, unknown>,
    runOptions: RunOptions,
    call: Omit<GatewayCall, 'steps'>,
  ): Promise<Record<string, unknown> | undefined> => {
    const ask = batchAsk(model, inputs, runOptions.queueRequest === true, 'options.queueRequest');
    if (!ask) return undefined;
    const { batches } = await ready();
    if (ask.kind === 'poll') return batches.poll(ask.requestId, project, model);
    return { ...(await batches.submit(call, project, model, ask.requests)) };
  };

  /** One call through the gateway, as the binding makes them; the answer in its step's format. */
  const through = async (
    path: string,
    parsed: ParsedStep[],
    gatewayId: string | undefined,
    options: RequestOptions,
    warnings: string[],
    body: unknown,
    signal: AbortSignal | undefined,
  ) => {
    const abort = linkedAbort(signal);
    const { gateway } = await ready();
    const answer = await logged(
      gateway.run({
        path,
        credentials: { kind: 'trusted', project },
        gatewayId,
        options,
        steps: parsed.map((p) => p.step),
        stream: parsed[0]?.stream === true,
        modelFallbacks: parsed.length === 1,
        signal: abort.signal,
        warnings: [...parsed.flatMap((p) => p.warnings ?? []), ...warnings],
        body,
      }),
    );
    return { answer, body: await answerBody(parsed[answer.step]!, answer.events, () => abort.abort()) };
  };

  /** A call's answer, its log id noted for `aiGatewayLogId` (a failed request has its log entry too). */
  const logged = async <T extends { headers: Record<string, string> }>(work: Promise<T>): Promise<T> => {
    let answer: T;
    try {
      answer = await work;
    } catch (error) {
      lastLogId = failureIds(error)?.logId ?? null;
      throw error;
    }
    lastLogId = answer.headers['cf-aig-log-id'] ?? null;
    return answer;
  };

  const ai: AI = {
    async run(model, inputs, given) {
      if (typeof model !== 'string' || model === '')
        throw badRequest('model', 'model must be a non-empty string.');
      if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs))
        throw badRequest('inputs', 'inputs must be an object: run(model, {input, ...}, options).');
      const runOptions = checkRunOptions(given);
      // Aborted before it began: nothing runs, as fetch does.
      runOptions.signal?.throwIfAborted();
      const warnings: string[] = [];
      const { gatewayId, options: gatewayOptions } = optionsFromBinding(runOptions.gateway, warnings);
      checkJsonDepth(inputs);
      const options = { ...headerOptions(runOptions.extraHeaders, warnings), ...gatewayOptions };
      if (runOptions.websocket)
        throw badRequest(
          'options.websocket',
          "WebSocket mode is served over HTTP: open ws://HOST/v1/responses on a Portico server (OpenAI's WebSocket mode).",
          'unsupported_parameter',
        );
      const call = {
        path: 'binding',
        credentials: { kind: 'trusted' as const, project },
        gatewayId,
        options,
        modelFallbacks: false,
        warnings,
      };
      const queuedSignal = runOptions.signal ?? new AbortController().signal;
      const batch = await batchAnswer(model, inputs, runOptions, { ...call, signal: queuedSignal });
      if (batch) return runOptions.returnRawResponse ? toResponse({ json: batch }, {}) : batch;
      if (isRunEmbeddingInput(inputs)) {
        const request = runEmbeddingCall(model, inputs);
        const embedding = {
          ...call,
          steps: [modelStep(model).step],
          signal: linkedAbort(runOptions.signal).signal,
          body: inputs,
        };
        const answer = await logged(
          embedThroughGateway(await ready(), embedding, request, runEmbeddingOutput),
        );
        if (runOptions.returnRawResponse) return toResponse({ json: answer.value }, answer.headers);
        return answer.value;
      }
      const parsed = workersAiStep(model, inputs, false);
      if (parsed.step.request.background) {
        // Queued and answered at once, as over HTTP; a stream follows the run without owning it.
        const background = (await ready()).background;
        const queued = await background.submit({
          ...call,
          options: gatewayOptions,
          steps: [parsed.step],
          signal: queuedSignal,
        });
        if (!parsed.stream) return queued as unknown as Record<string, unknown>;
        const abort = linkedAbort(runOptions.signal);
        return streamOf(
          sseText(await background.follow(queued.id, project, -1, abort.signal), () => abort.abort()),
        );
      }
      const { answer, body } = await through(
        'binding',
        [parsed],
        gatewayId,
        options,
        warnings,
        inputs,
        runOptions.signal,
      );
      if (runOptions.returnRawResponse) return toResponse(body, answer.headers);
      return 'json' in body ? (body.json as Record<string, unknown>) : streamOf(body.stream);
    },

    async models(params = {}) {
      // The whole catalog unless a page is asked for.
      const query = parseBody(ModelSearchQuery, { per_page: 1000, ...params });
      const { results } = searchModels((await ready()).catalog.list(), query);
      return results;
    },

    gateway(gatewayId) {
      return {
        async getLog(logId) {
          if (typeof logId !== 'string' || logId === '')
            throw badRequest(
              'logId',
              'logId must be a log id, such as ai.aiGatewayLogId after a logged request.',
            );
          const entry = await (await ready()).gateway.logs.get(logReader, logId, gatewayId);
          const log = logObject(entry, true);
          return { ...log, created_at: new Date(entry.createdAt) };
        },
        async patchLog(logId, data) {
          const patch = parseBody(PatchLogRequest, data);
          await (await ready()).gateway.logs.patch(logReader, logId, patch, gatewayId);
        },
        async getUrl(provider) {
          const base = (options.baseUrl ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
          return `${base}/v1/${options.accountId ?? 'portico'}/${gatewayId}/${provider ?? ''}`;
        },
        async run(request, given) {
          const runOptions = checkRunOptions(given, UniversalRunOptions);
          runOptions.signal?.throwIfAborted();
          const warnings: string[] = [];
          checkJsonDepth(request);
          const parsed = universalSteps(request, (await ready()).catalog, warnings);
          const { options: gatewayOptions } = optionsFromBinding(runOptions.gateway ?? {}, warnings);
          const options = { ...headerOptions(runOptions.extraHeaders, warnings), ...gatewayOptions };
          const { answer, body } = await through(
            'binding universal',
            parsed,
            gatewayId,
            options,
            warnings,
            request,
            runOptions.signal,
          );
          return toResponse(body, answer.headers);
        },
      };
    },

    get aiGatewayLogId() {
      return lastLogId;
    },

    async close() {
      closed = true;
      // A stream nobody reads holds its generation: stopped, it is recorded as cancelled.
      await Promise.all([...unfinished].map((text) => text.cancel()));
      unfinished.clear();
      if (runtime) await (await runtime).close();
    },
  };
  return ai;
}

/** Cloudflare's rule for `tags`: at most 5 (duplicates removed), each 1 to 50 letters, digits and `: - . / @`. */
const Tags = z
  .array(z.string().regex(/^[A-Za-z0-9:\-./@]{1,50}$/, 'each tag is 1 to 50 letters, digits and : - . / @'))
  .refine((tags) => new Set(tags).size <= 5, 'at most 5 tags');

/** `AiOptions` as given (JavaScript callers pass anything): checked, an option Portico does not know refused. */
const RunOptionsShape = z.strictObject({
  // optionsFromBinding reads the gateway's options, naming each.
  gateway: z.unknown().optional(),
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  returnRawResponse: z.boolean().optional(),
  extraHeaders: z.record(z.string(), z.string()).optional(),
  queueRequest: z.boolean().optional(),
  websocket: z.boolean().optional(),
  tags: Tags.optional(),
  prefix: z.string().optional(),
});

/** The options of `gateway(id).run`: those of a universal request. */
const UniversalRunOptions = RunOptionsShape.pick({ gateway: true, signal: true, extraHeaders: true });

/** The options of `run` as given, named `options.*`. */
function checkRunOptions(options: unknown, shape: z.ZodType = RunOptionsShape): RunOptions {
  return (parseBody(z.object({ options: shape.nullish() }), { options }).options ?? {}) as RunOptions;
}
