import { ApiError, toApiError } from '../api/errors.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { modelAllowed } from './authorize-model.ts';
import { MAX_HONORED_RETRY_AFTER_S, retryDelayMs, sleep } from './backoff.ts';
import { admitted, stepOptions, type GatewayContext, type Layer, type Step } from './gateway-call.ts';
import { withFields } from '../with-fields.ts';

/** One thing to try: a step's request, or the same request on one of its model's fallbacks. */
interface Candidate {
  request: CreateResponseRequest;
  options: Step['options'];
  /** Universal steps hand over on any error; a model's fallbacks only on the upstream's failures. */
  anyError: boolean;
  /** A universal step that cannot run: trying it fails with this. */
  refused: ApiError | undefined;
}

/** The call's candidates, in order; a candidate's index is its `cf-aig-step`. */
function candidates(ctx: GatewayContext, catalog: Catalog): Candidate[] {
  const { call } = ctx;
  return call.steps.flatMap((step): Candidate[] => {
    const own = {
      request: step.request,
      options: step.options,
      anyError: call.steps.length > 1,
      refused: step.refused,
    };
    if (!call.modelFallbacks || step.refused) return [own];
    const fallbacks = catalog.get(step.request.model)?.fallbacks ?? [];
    return [own, ...fallbacks.map((model) => ({ ...own, request: { ...step.request, model } }))];
  });
}

/**
 * What runs, by `cf-aig-step`: every candidate, or for a cached answer only the one that made
 * it, as the model that made it, once (so that it answers in its step's format again).
 */
function toRun(ctx: GatewayContext, catalog: Catalog): Array<[number, Candidate]> {
  const list = candidates(ctx, catalog);
  const { replay } = ctx;
  if (!replay) return [...list.entries()];
  const step = replay.step !== undefined && replay.step < list.length ? replay.step : 0;
  const made = list[step]!;
  return [[step, { ...made, request: { ...made.request, model: replay.model }, anyError: false }]];
}

function upstreamTimeout(ms: number): ApiError {
  return new ApiError({
    status: 504,
    type: 'upstream_error',
    code: 'upstream_timeout',
    message: `The model did not start answering within the request timeout of ${ms} ms.`,
    retryable: true,
  });
}

/**
 * An attempt's signal: the client's, which also aborts with `upstreamTimeout` once `timeoutMs`
 * pass (until `clear`, called when the first event arrives). Without a timeout, the client's
 * own signal: no controller, timer or combined signal per request.
 */
function timeLimited(client: AbortSignal, timeoutMs: number | null): { signal: AbortSignal; clear(): void } {
  if (timeoutMs === null) return { signal: client, clear: () => undefined };
  const controller = new AbortController();
  // Linked by hand rather than with AbortSignal.any, which costs more; the answer keeps
  // streaming under this signal after the timer is cleared, so the link stays.
  if (client.aborted) controller.abort(client.reason);
  else client.addEventListener('abort', () => controller.abort(client.reason), { once: true });
  const timer = setTimeout(() => controller.abort(upstreamTimeout(timeoutMs)), timeoutMs);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Failures another model might not have: the upstream's, not the request's. */
function fallsBack(error: ApiError): boolean {
  return error.retryable || error.type === 'upstream_error' || error.code === 'provider_not_configured';
}

/**
 * Runs the rest of the pipeline until something answers: each candidate up to its attempts,
 * with backoff and jitter between them (honouring `retry-after`), each attempt limited to the
 * request timeout to its first byte (but the last of a retried request); then the next candidate. Only failures before the first
 * event are retried (the engine waits for it before answering), so nothing a client has seen
 * is ever sent twice. `cf-aig-step` names the candidate that answered.
 */
export function retryAndFallback(catalog: Catalog): Layer {
  return async (ctx, next) => {
    const { gateway, principal } = admitted(ctx);
    let failure: ApiError | undefined;
    const running = toRun(ctx, catalog);
    for (const [index, [step, candidate]] of running.entries()) {
      if (candidate.refused) {
        failure = candidate.refused;
        continue;
      }
      // A model's fallback the key may not use is passed over: the steps it asked for were checked.
      if (!modelAllowed(principal, candidate.request.model)) continue;
      const options = stepOptions(ctx.call, candidate);
      const attempts = options.maxAttempts ?? gateway.retries.maxAttempts;
      const timeoutMs = options.requestTimeoutMs ?? gateway.requestTimeoutMs;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        ctx.trace.attempts += 1;
        ctx.trace.model = candidate.request.model;
        // Once retried, the very last attempt waits however long it takes (Cloudflare's rule):
        // nothing is left to hand over to.
        const last = attempts > 1 && attempt === attempts && index === running.length - 1;
        const limited = timeLimited(ctx.call.signal, last ? null : timeoutMs);
        ctx.attempt = { request: candidate.request, signal: limited.signal };
        try {
          const answer = await next();
          ctx.trace.step = step;
          const headers = withFields(answer.headers, { 'cf-aig-step': String(step) });
          return { ...answer, step, stepOptions: options, headers };
        } catch (error) {
          if (ctx.call.signal.aborted) throw error;
          failure = limited.signal.aborted ? (limited.signal.reason as ApiError) : toApiError(error);
        } finally {
          limited.clear();
        }
        const retryAfter = failure.retryAfter;
        if (!failure.retryable || attempt === attempts) break;
        if (retryAfter !== undefined && retryAfter > MAX_HONORED_RETRY_AFTER_S) break;
        const delay = options.retryDelayMs ?? gateway.retries.delayMs;
        const backoff = options.backoff ?? gateway.retries.backoff;
        await sleep(retryDelayMs(delay, backoff, attempt, retryAfter), ctx.call.signal);
      }
      if (!failure || !(candidate.anyError || fallsBack(failure))) break;
    }
    throw failure ?? new Error('no candidate to run');
  };
}
