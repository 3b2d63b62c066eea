import { ApiError, toApiError } from '../api/errors.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { CachedAnswer } from '../store/cache-store.ts';
import { modelAllowed } from './authorize-model.ts';
import { MAX_HONORED_RETRY_AFTER_S, retryDelayMs, sleep } from './backoff.ts';
import type { Candidate } from './candidate.ts';
import {
  admitted,
  stepOptions,
  type GatewayCall,
  type GatewayContext,
  type Layer,
  type Step,
} from './gateway-call.ts';
import { namesRoute, routeCandidates, type RouteDeps } from './route-candidates.ts';
import { checkSpendRules } from './spend-rules.ts';
import type { SpendScope } from '../store/log-store.ts';
import { withFields } from '../with-fields.ts';

/** A step's own candidate, then its model's configured fallbacks; `lastStep`: no step follows. */
function* stepCandidates(
  call: GatewayCall,
  step: Step,
  lastStep: boolean,
  catalog: Catalog,
): Generator<Candidate, void, undefined> {
  const fallbacks =
    (call.modelFallbacks && !step.refused && catalog.get(step.request.model)?.fallbacks) || NONE;
  const anyError = call.steps.length > 1;
  const own: Candidate = {
    request: step.request,
    options: step.options,
    anyError,
    refused: step.refused,
    final: lastStep && fallbacks.length === 0,
    routed: false,
  };
  yield own;
  for (const [index, model] of fallbacks.entries())
    yield { ...own, request: { ...step.request, model }, final: lastStep && index === fallbacks.length - 1 };
}
const NONE: readonly string[] = [];

/** Every step's candidates, in order; a candidate's place is its `cf-aig-step`. */
function* candidates(call: GatewayCall, catalog: Catalog): Generator<Candidate, void, undefined> {
  const { steps } = call;
  for (let index = 0; index < steps.length; index++)
    yield* stepCandidates(call, steps[index]!, index === steps.length - 1, catalog);
}

/** The same, where a step names a dynamic route: its candidates are the route's walk. */
async function* routedCandidates(
  ctx: GatewayContext,
  deps: RouteDeps,
): AsyncGenerator<Candidate, void, undefined> {
  const { steps } = ctx.call;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    const lastStep = index === steps.length - 1;
    if (namesRoute(step)) yield* routeCandidates(ctx, step, lastStep, deps);
    else yield* stepCandidates(ctx.call, step, lastStep, deps.catalog);
  }
}

/**
 * What a cached answer replays: only the candidate that made it, as the model that made it,
 * once (so that it answers in its step's format again), at its `cf-aig-step`. (A route's
 * answers are never cached: see cache.ts.)
 */
function replayed(call: GatewayCall, catalog: Catalog, replay: CachedAnswer): [number, Candidate] {
  let at = 0;
  let made: Candidate | undefined;
  for (const candidate of candidates(call, catalog)) {
    if (at === replay.step) made = candidate;
    if (made) break;
    at += 1;
  }
  const step = made ? at : 0;
  made ??= candidates(call, catalog).next().value!;
  const request = { ...made.request, model: replay.model };
  return [step, { ...made, request, anyError: false, final: true }];
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

/** The answer's headers of its own: `cf-aig-step`, and for a route's model `cf-aig-model` and `cf-aig-provider`. */
function answered(step: number, candidate: Candidate, catalog: Catalog): Record<string, string> {
  const stepHeader = { 'cf-aig-step': String(step) };
  if (!candidate.routed) return stepHeader;
  const model = candidate.request.model;
  return { ...stepHeader, 'cf-aig-model': model, 'cf-aig-provider': catalog.get(model)?.provider ?? '' };
}

/**
 * Runs the rest of the pipeline until something answers: each candidate up to its attempts,
 * with backoff and jitter between them (honouring `retry-after`), each attempt limited to the
 * request timeout to its first byte (but the last of a retried request); then the next candidate. Only failures before the first
 * event are retried (the engine waits for it before answering), so nothing a client has seen
 * is ever sent twice. `cf-aig-step` names the candidate that answered.
 */
export function retryAndFallback(deps: RouteDeps): Layer {
  return async (ctx, next) => {
    const { gateway, principal } = admitted(ctx);
    const { call, replay } = ctx;
    let failure: ApiError | undefined;
    const [replayStep, replayCandidate] = replay ? replayed(call, deps.catalog, replay) : [0, undefined];
    // A plain generator for the usual request; an async one (a route's limiter is awaited) for a route.
    const source = replayCandidate
      ? [replayCandidate].values()
      : call.steps.some(namesRoute)
        ? routedCandidates(ctx, deps)
        : candidates(call, deps.catalog);
    for (let index = 0; ; index++) {
      const pending = source.next();
      const item = pending instanceof Promise ? await pending : pending;
      if (item.done) break;
      const candidate = item.value;
      const step = replayCandidate ? replayStep : index;
      if (candidate.refused) {
        failure = candidate.refused;
        continue;
      }
      // A model's fallback the key may not use is passed over: the steps it asked for were checked.
      if (!modelAllowed(principal, candidate.request.model)) continue;
      const options = stepOptions(call, candidate);
      // A model over one of the gateway's spend rules is passed over as a refused one is, so
      // that a fallback (a cheaper model, say) may answer. A cached answer costs nothing.
      let ruled: SpendScope[] | undefined;
      if (gateway.spendLimits && !replayCandidate) {
        try {
          ruled = await checkSpendRules(gateway, candidate.request.model, options.metadata, deps);
        } catch (error) {
          failure = toApiError(error);
          continue;
        }
      }
      const attempts = options.maxAttempts ?? gateway.retries.maxAttempts;
      const timeoutMs = options.requestTimeoutMs ?? gateway.requestTimeoutMs;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        ctx.trace.attempts += 1;
        ctx.trace.model = candidate.request.model;
        // Once retried, the very last attempt waits however long it takes (Cloudflare's rule):
        // nothing is left to hand over to.
        const last = attempts > 1 && attempt === attempts && candidate.final;
        const limited = timeLimited(call.signal, last ? null : timeoutMs);
        ctx.attempt = { request: candidate.request, signal: limited.signal };
        try {
          const answer = await next();
          ctx.trace.step = step;
          if (ruled?.length) (ctx.trace.spendScopes ??= []).push(...ruled);
          const headers = withFields(answer.headers, answered(step, candidate, deps.catalog));
          return { ...answer, step, stepOptions: options, headers };
        } catch (error) {
          if (call.signal.aborted) throw error;
          failure = limited.signal.aborted ? (limited.signal.reason as ApiError) : toApiError(error);
        } finally {
          limited.clear();
        }
        const retryAfter = failure.retryAfter;
        if (!failure.retryable || attempt === attempts) break;
        if (retryAfter !== undefined && retryAfter > MAX_HONORED_RETRY_AFTER_S) break;
        const delay = options.retryDelayMs ?? gateway.retries.delayMs;
        const backoff = options.backoff ?? gateway.retries.backoff;
        await sleep(retryDelayMs(delay, backoff, attempt, retryAfter), call.signal);
      }
      if (!failure || !(candidate.anyError || fallsBack(failure))) break;
    }
    throw failure ?? new Error('no candidate to run');
  };
}
