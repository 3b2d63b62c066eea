import { ApiError, toApiError } from '../api/errors.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { MAX_HONORED_RETRY_AFTER_S, retryDelayMs, sleep } from './backoff.ts';
import { admitted, type GatewayContext, type Layer, type Step } from './gateway-call.ts';

/** One thing to try: a step's request, or the same request on one of its model's fallbacks. */
interface Candidate {
  request: CreateResponseRequest;
  options: Step['options'];
  /** Universal steps hand over on any error; a model's fallbacks only on the upstream's failures. */
  anyError: boolean;
}

function candidates(ctx: GatewayContext, catalog: Catalog): Candidate[] {
  const { call } = ctx;
  if (ctx.replay) {
    // A cached answer replays as the model that made it, once.
    const step = call.steps[0]!;
    return [
      { request: { ...step.request, model: ctx.replay.model }, options: step.options, anyError: false },
    ];
  }
  return call.steps.flatMap((step): Candidate[] => {
    const own = { request: step.request, options: step.options, anyError: call.steps.length > 1 };
    if (!call.modelFallbacks) return [own];
    const fallbacks = catalog.get(step.request.model)?.fallbacks ?? [];
    return [own, ...fallbacks.map((model) => ({ ...own, request: { ...step.request, model } }))];
  });
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

/** Failures another model might not have: the upstream's, not the request's. */
function fallsBack(error: ApiError): boolean {
  return error.retryable || error.type === 'upstream_error' || error.code === 'provider_not_configured';
}

/**
 * Runs the rest of the pipeline until something answers: each candidate up to its attempts,
 * with backoff and jitter between them (honouring `retry-after`), each attempt limited to the
 * request timeout to its first byte; then the next candidate. Only failures before the first
 * event are retried (the engine waits for it before answering), so nothing a client has seen
 * is ever sent twice. `cf-aig-step` names the candidate that answered.
 */
export function retryAndFallback(catalog: Catalog): Layer {
  return async (ctx, next) => {
    const { gateway } = admitted(ctx);
    const list = candidates(ctx, catalog);
    let failure: ApiError | undefined;
    for (const [step, candidate] of list.entries()) {
      const options = { ...ctx.call.options, ...candidate.options };
      const attempts = options.maxAttempts ?? gateway.retries.maxAttempts;
      const timeoutMs = options.requestTimeoutMs ?? gateway.requestTimeoutMs;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        ctx.trace.attempts += 1;
        ctx.trace.model = candidate.request.model;
        const attemptAbort = new AbortController();
        const signal = AbortSignal.any([ctx.call.signal, attemptAbort.signal]);
        const timer =
          timeoutMs === null
            ? undefined
            : setTimeout(() => attemptAbort.abort(upstreamTimeout(timeoutMs)), timeoutMs);
        ctx.attempt = { request: candidate.request, signal };
        try {
          const answer = await next();
          ctx.trace.step = step;
          return { ...answer, step, headers: { ...answer.headers, 'cf-aig-step': String(step) } };
        } catch (error) {
          if (ctx.call.signal.aborted) throw error;
          failure = attemptAbort.signal.aborted
            ? (attemptAbort.signal.reason as ApiError)
            : toApiError(error);
        } finally {
          clearTimeout(timer);
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
