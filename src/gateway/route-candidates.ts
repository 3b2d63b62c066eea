import { ApiError } from '../api/errors.ts';
import { DYNAMIC_MODEL_PREFIX, type ModelRouteElement, type RouteElement } from '../api/dynamic-route.ts';
import type { RateLimit } from '../api/gateway-settings.ts';
import { modelNotFound, type Catalog } from '../catalog/catalog.ts';
import { providerModel } from '../catalog/provider-model.ts';
import { modelAllowed, modelNotAllowed } from './authorize-model.ts';
import { refusal, type Candidate } from './candidate.ts';
import { admitted, type GatewayContext, type Step } from './gateway-call.ts';
import { matchesCondition } from './match-condition.ts';
import { overLimit } from './rate-limit.ts';
import type { RateDecision, RateLimiter } from './rate-limiter.ts';
import { requestFields } from './route-fields.ts';
import { spendWindow, type SpendRuleDeps } from './spend-rules.ts';

/**
 * What walking a route needs besides the request: the catalog, the gateway's rate limiter, the
 * spend so far of a cost-limited counter (LogStore.spend), a clock, a die.
 */
export interface RouteDeps extends SpendRuleDeps {
  limiter: RateLimiter;
  /** A number in [0, 1): percentage elements draw one per request. */
  random: () => number;
}

type Output = { elementId: string } | undefined;

/** Whether a step asks for a dynamic route (`model: "dynamic/<name>"`): one prefix check. */
export function namesRoute(step: Step): boolean {
  return !step.refused && step.request.model.startsWith(DYNAMIC_MODEL_PREFIX);
}

/** The output a draw in [0, 1) lands on: the shares in the order written, then `else`. */
function drawn(outputs: Record<string, Output>, draw: number): Output {
  let point = draw * 100;
  for (const [name, output] of Object.entries(outputs)) {
    if (name === 'else') continue;
    point -= Number.parseFloat(name);
    if (point < 0) return output;
  }
  return outputs.else;
}

/**
 * A cost limit: whether the requests that passed this counter spent less than its limit in the
 * window (fixed: since the window's start; sliding: the trailing interval), counted as spend
 * limits count, in hourly buckets of every request's cost, logged or not. A request let through
 * adds its own cost to the counter once it ends (the log entry's `spendScopes`), so a burst
 * of concurrent requests may overshoot a little, as a spend limit may.
 */
async function costDecision(
  ctx: GatewayContext,
  counter: string,
  rule: RateLimit,
  deps: RouteDeps,
): Promise<RateDecision> {
  const { since, retryAfterMs } = spendWindow(deps.now(), rule.periodMs, rule.technique);
  if ((await deps.spent({ route: counter }, since)) >= rule.limit)
    return { allowed: false, remaining: 0, retryAfterMs };
  (ctx.trace.spendScopes ??= []).push({ route: counter });
  return { allowed: true, remaining: 0, retryAfterMs: 0 };
}

function routeEnded(route: string, element: RouteElement | undefined): ApiError {
  return new ApiError({
    status: 400,
    type: 'invalid_request_error',
    code: 'route_ended',
    param: 'model',
    message: `The route '${route}' ended${element ? ` at its element '${element.id}'` : ''} before any model ran.`,
  });
}

/** A route's model element as the candidate to run: its catalog id, its timeout and retries over the request's. */
function modelCandidate(
  step: Step,
  element: ModelRouteElement,
  lastStep: boolean,
  catalog: Catalog,
): Candidate {
  const { provider, model, timeout, retries } = element.properties;
  return {
    request: { ...step.request, model: providerModel(catalog, provider)(model) },
    options: {
      ...step.options,
      ...(timeout !== undefined ? { requestTimeoutMs: timeout } : {}),
      ...(retries !== undefined ? { maxAttempts: retries + 1 } : {}),
    },
    anyError: true,
    refused: undefined,
    final: lastStep && !element.outputs.fallback,
    routed: true,
  };
}

/**
 * The candidates of a step whose model is `dynamic/<route>`, as the walk of the gateway's route
 * meets them: from `start`, a `conditional` reads the request, a `percentage` draws, a
 * `rate_limit` counts the request with the gateway's limiter; each `model` is handed to the
 * retry loop, which asks for the next candidate only when it failed (after its retries), so
 * the walk then follows its `fallback`. An `end`, or an output left out, ends the walk: the
 * last failure is the answer, or, when no model ran, an error saying where the route ended.
 * An unknown route is a 404 `model_not_found`, as an unknown model is.
 */
export async function* routeCandidates(
  ctx: GatewayContext,
  step: Step,
  lastStep: boolean,
  deps: RouteDeps,
): AsyncGenerator<Candidate, void, undefined> {
  const { gateway, principal } = admitted(ctx);
  const name = step.request.model.slice(DYNAMIC_MODEL_PREFIX.length);
  const route = gateway.routes?.find((candidate) => candidate.name === name);
  if (!route) throw modelNotFound(step.request.model);
  const read = requestFields(ctx.call, step);
  const follow = (output: Output) =>
    output && route.elements.find((element) => element.id === output.elementId);
  let element: RouteElement | undefined = route.elements.find((candidate) => candidate.type === 'start');
  let last: RouteElement | undefined;
  let ran = false;
  while (element) {
    last = element;
    switch (element.type) {
      case 'start':
        element = follow(element.outputs.next);
        break;
      case 'conditional': {
        const met = matchesCondition(element.properties.conditions, read);
        element = follow(met ? element.outputs.true : element.outputs.false);
        break;
      }
      case 'percentage':
        element = follow(drawn(element.outputs, deps.random()));
        break;
      case 'rate_limit':
      case 'rate': {
        const { key, limit, interval, window, technique, limitType } = element.properties;
        const rule: RateLimit = { limit, periodMs: (interval ?? window!) * 1000, technique };
        const counter = `route:${gateway.id}:${route.name}:${element.id}:${key === undefined ? '' : String(read(key) ?? '')}`;
        const decision =
          limitType === 'cost'
            ? await costDecision(ctx, counter, rule, deps)
            : await deps.limiter.consume(counter, rule, deps.now());
        if (decision.allowed || element.outputs.fallback) {
          element = follow(decision.allowed ? element.outputs.success : element.outputs.fallback);
          break;
        }
        yield refusal(
          step,
          overLimit(
            rule,
            decision.retryAfterMs,
            `the route '${route.name}' (${element.id})`,
            limitType === 'cost',
          ),
        );
        return;
      }
      case 'model': {
        ran = true;
        const candidate = modelCandidate(step, element, lastStep, deps.catalog);
        const model = candidate.request.model;
        yield modelAllowed(principal, model) ? candidate : refusal(step, modelNotAllowed(model));
        // Asked again: the model failed (or may not be used); its fallback, if any, is next.
        element = follow(element.outputs.fallback);
        break;
      }
      case 'end':
        element = undefined;
    }
  }
  if (!ran) yield refusal(step, routeEnded(route.name, last));
}
