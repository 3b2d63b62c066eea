import { toApiError, type ApiError } from '../api/errors.ts';
import type { ResponseObject, Usage } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { LogEntry, PromptUse, TimelineEntry } from '../store/log-store.ts';
import { costOf } from './cost.ts';
import { admitted, type GatewayContext, type Layer } from './gateway-call.ts';
import type { LogWriter } from './log-writer.ts';
import type { Metrics } from './metrics.ts';
import type { RequestOptions } from './request-options.ts';
import { withFields } from '../with-fields.ts';
import { responseJson } from '../api/response-json.ts';

/** A stream's timeline keeps this many entries (runs of one event type count as one). */
const MAX_TIMELINE = 2000;

export interface LogDeps {
  writer: LogWriter;
  metrics: Metrics;
  catalog: Catalog;
  now: () => number;
}

/** How a request ended, as far as the log is concerned. */
interface Outcome {
  statusCode: number;
  /** The response a model response ended with. */
  final?: ResponseObject;
  /** What another model operation (an embedding, a compaction) answered, and its usage. */
  result?: { body: unknown; usage: Usage | undefined; modelType: LogEntry['modelType'] };
  error?: ApiError;
  ttftMs: number | null;
  timeline: TimelineEntry[] | null;
}

/** A model operation that is not a response, as its work ends. */
export interface OperationResult<T> {
  value: T;
  /** None for an operation that runs no model (a token count). */
  usage?: Usage;
  /** Default: Text Generation. */
  modelType?: LogEntry['modelType'];
  /** Headers of the answer besides the gateway's ids (a DLP flag's `cf-aig-dlp`). */
  headers?: Record<string, string>;
}

/** What the operation answered, with its gateway headers (gatewayIds). */
export interface OperationAnswer<T> {
  value: T;
  headers: Record<string, string>;
}

/** The ids of requests that failed, by what they failed with (see failureIds). */
const failures = new WeakMap<object, FailureIds>();

interface FailureIds {
  /** `cf-aig-request-id`: the request's log id, whether or not its entry is kept. */
  requestId: string;
  /** `cf-aig-log-id`, when the entry is kept. */
  logId?: string;
}

/**
 * The ids of the request that failed with `error`: a failed answer carries them too (a 429, an
 * upstream's 502), so its entry can be found and patched.
 */
export function failureIds(error: unknown): FailureIds | undefined {
  return typeof error === 'object' && error !== null ? failures.get(error) : undefined;
}

/**
 * A request's gateway headers: `cf-aig-request-id` always, `cf-aig-log-id` when its entry is
 * kept. One log entry a request, whatever steps or attempts it took: the two are equal, as
 * Cloudflare's are when one step answered.
 */
function gatewayIds(logId: string, collect: boolean): Record<string, string> {
  return collect ? { 'cf-aig-log-id': logId, 'cf-aig-request-id': logId } : { 'cf-aig-request-id': logId };
}

/**
 * Logs every request that reaches a gateway, through every entry point: written when the
 * answer ends (or fails, or its client leaves), off the response path. `cf-aig-collect-log`
 * and the gateway decide whether an entry is kept and whether it keeps the bodies; metrics
 * count every request either way. The answer carries its ids (gatewayIds), a failure too.
 */
export function logRequest(deps: LogDeps): Layer {
  return async (ctx, next) => {
    const finisher = logFinisher(ctx, deps);
    let answer;
    try {
      answer = await next();
    } catch (error) {
      throw logFailure(ctx, finisher, error);
    }
    const { collect, payloads, finish } = finisher(answer.stepOptions ?? ctx.call.options);
    // A JSON answer leaves in one piece: its events never left one by one (from an upstream
    // asked for JSON they are all made at once), so there is no timeline to keep.
    const keepTimeline = payloads && streamed(ctx);
    return {
      ...answer,
      headers: withFields(answer.headers, gatewayIds(ctx.logId, collect)),
      events: observe(answer.events, ctx.startedAt, keepTimeline, deps.now, finish),
    };
  };
}

/**
 * A model operation that is not a response (an embedding, a compaction), logged as a response
 * is: `run` is its work past admission (the limits, then the model), the entry written when it ends.
 */
export async function logOperation<T>(
  ctx: GatewayContext,
  deps: LogDeps,
  run: () => Promise<OperationResult<T>>,
): Promise<OperationAnswer<T>> {
  const finisher = logFinisher(ctx, deps);
  let result;
  try {
    result = await run();
  } catch (error) {
    throw logFailure(ctx, finisher, error);
  }
  const { collect, finish } = finisher(ctx.call.options);
  const modelType = result.modelType ?? 'Text Generation';
  finish({
    statusCode: 200,
    result: { body: result.value, usage: result.usage, modelType },
    ttftMs: null,
    timeline: null,
  });
  const ids = gatewayIds(ctx.logId, collect);
  return { value: result.value, headers: result.headers ? { ...result.headers, ...ids } : ids };
}

type Finisher = (options: RequestOptions) => {
  collect: boolean;
  payloads: boolean;
  finish: (outcome: Outcome) => void;
};

/** What is logged, and how, under the request's options or those of the step that answered. */
function logFinisher(ctx: GatewayContext, deps: LogDeps): Finisher {
  const { gateway } = admitted(ctx);
  return (options) => {
    const collect = options.collectLog ?? gateway.collectLogs;
    const payloads = collect && (options.collectLogPayload ?? gateway.logPayloads);
    const finish = (outcome: Outcome) => {
      const entry = buildEntry(ctx, outcome, options, payloads, deps);
      deps.metrics.record(entry);
      // An entry not kept still counts against budgets and spend limits.
      deps.writer.add(entry, collect);
    };
    return { collect, payloads, finish };
  };
}

/** Logs a request that failed before its answer began; the error, to rethrow, names its entry. */
function logFailure(ctx: GatewayContext, finisher: Finisher, error: unknown): unknown {
  const apiError = toApiError(error);
  const { collect, finish } = finisher(ctx.call.options);
  finish({ statusCode: apiError.status, error: apiError, ttftMs: null, timeline: null });
  if (typeof error === 'object' && error !== null)
    failures.set(error, collect ? { requestId: ctx.logId, logId: ctx.logId } : { requestId: ctx.logId });
  return error;
}

async function* observe(
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>,
  startedAt: number,
  keepTimeline: boolean,
  now: () => number,
  finish: (outcome: Outcome) => void,
): AsyncGenerator<ResponseStreamEvent, void, undefined> {
  let final: ResponseObject | undefined;
  let ttftMs: number | null = null;
  const timeline: TimelineEntry[] | null = keepTimeline ? [] : null;
  try {
    for await (const event of events) {
      if (ttftMs === null && event.type.endsWith('.delta')) ttftMs = now() - startedAt;
      if (timeline) addToTimeline(timeline, event.type, now() - startedAt);
      if (
        event.type === 'response.completed' ||
        event.type === 'response.incomplete' ||
        event.type === 'response.failed'
      )
        final = event.response;
      yield event;
    }
  } finally {
    // No terminal event: the client went away before the answer ended.
    finish({ statusCode: final ? 200 : 499, ...(final ? { final } : {}), ttftMs, timeline });
  }
}

/** Whether the client asked for its answer as a stream. */
function streamed(ctx: GatewayContext): boolean {
  return ctx.call.stream ?? ctx.call.steps[0]?.request.stream === true;
}

function addToTimeline(timeline: TimelineEntry[], type: string, at: number): void {
  const last = timeline.at(-1);
  if (last?.type === type) last.count += 1;
  else if (timeline.length < MAX_TIMELINE) timeline.push({ type, at, count: 1 });
}

function buildEntry(
  ctx: GatewayContext,
  outcome: Outcome,
  options: RequestOptions,
  payloads: boolean,
  deps: LogDeps,
): LogEntry {
  const { principal, gateway } = admitted(ctx);
  const { final, result, error } = outcome;
  // No model yet: the request left it to a stored prompt that could not be read.
  const modelId = ctx.trace.model ?? (ctx.call.steps[0]?.request.model || null);
  const model = modelId === null ? undefined : deps.catalog.get(modelId);
  // A response whose client left before its terminal event: its record says what it used.
  const recorded = ctx.trace.recorded;
  const usage = final?.usage ?? result?.usage ?? recorded?.response.usage;
  const hit = ctx.trace.cacheStatus === 'HIT';
  const custom = options.customCost;
  const response = payloads ? (final ?? result?.body ?? null) : null;
  return {
    id: ctx.logId,
    createdAt: ctx.startedAt,
    gateway: gateway.id,
    project: principal.project,
    keyId: principal.keyId,
    provider: model?.provider ?? null,
    // An unknown model id is the client's text: keep it, cut short.
    model: model ? model.id : modelId && modelId.slice(0, 200),
    modelType: result?.modelType ?? 'Text Generation',
    path: ctx.call.path,
    stream: streamed(ctx),
    statusCode: outcome.statusCode,
    success: final ? final.status === 'completed' || final.status === 'incomplete' : result !== undefined,
    status: final?.status ?? (outcome.statusCode === 499 ? 'cancelled' : null),
    responseId: final?.id ?? recorded?.response.id ?? null,
    tokensIn: usage?.input_tokens ?? 0,
    tokensCached: usage?.input_tokens_details.cached_tokens ?? 0,
    tokensOut: usage?.output_tokens ?? 0,
    tokensReasoning: usage?.output_tokens_details.reasoning_tokens ?? 0,
    ...(recorded?.counted ? { tokensCounted: true } : {}),
    cost: costOf(usage ?? undefined, model, custom, hit) + (ctx.trace.classifierCost ?? 0),
    customCost: custom !== undefined && !hit,
    durationMs: deps.now() - ctx.startedAt,
    ttftMs: outcome.ttftMs,
    cacheStatus: ctx.trace.cacheStatus,
    step: ctx.trace.step,
    attempts: ctx.trace.attempts,
    metadata: options.metadata ?? {},
    eventId: options.eventId ?? null,
    errorCode: error?.code ?? final?.error?.code ?? null,
    errorMessage: error?.message ?? final?.error?.message ?? null,
    requestSize: ctx.call.requestSize ?? 0,
    responseSize: response === null ? 0 : (final ? responseJson(final) : JSON.stringify(response)).length,
    requestBody: payloads ? (ctx.call.body ?? ctx.call.steps[0]?.request ?? null) : null,
    responseBody: response,
    timeline: payloads ? outcome.timeline : null,
    feedback: null,
    score: null,
    ...(ctx.trace.spendScopes ? { spendScopes: ctx.trace.spendScopes } : {}),
    ...(gateway.logLimit ? { logLimit: gateway.logLimit } : {}),
    ...(ctx.trace.dlp ? { dlp: ctx.trace.dlp } : {}),
    ...(ctx.trace.guardrails ? { guardrails: ctx.trace.guardrails } : {}),
    ...(ctx.trace.providerConfig ? { providerConfig: ctx.trace.providerConfig } : {}),
    ...promptServed(ctx),
  };
}

/**
 * The stored prompt of the request that ran last (the one that answered, or whose failure is
 * the answer), else of the first step. `trace.step` cannot say which step that was: it counts
 * model fallbacks and a route's elements too; each attempt's request is its step's as the
 * prompts layer rendered it, with the version used. A request stopped before its prompt was
 * rendered (an unknown prompt, a missing variable) names none: its version is not known.
 */
function promptServed(ctx: GatewayContext): { prompt?: PromptUse } {
  const request = ctx.attempt?.request ?? ctx.call.steps[0]?.request;
  const prompt = request?.promptMessages === undefined ? undefined : request.prompt;
  return prompt?.version == null ? {} : { prompt: { id: prompt.id, version: prompt.version } };
}
