import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { Logger } from '../logger.ts';
import type { CachedAnswer, CacheStore } from '../store/cache-store.ts';
import { cacheKey } from './cache-key.ts';
import { admitted, stepOptions, type Layer, type ModelEventRecorder } from './gateway-call.ts';
import type { RequestOptions } from './request-options.ts';
import { namesRoute } from './route-candidates.ts';
import { withFields } from '../with-fields.ts';

/** With `cf-aig-cache-key` on a gateway that does not cache, an answer is kept five minutes (Cloudflare's rule). */
const CUSTOM_KEY_DEFAULT_TTL_S = 300;

/** Seconds to keep an answer made under `options`; 0 when they do not use the cache. */
function ttlFor(gateway: GatewaySettings, options: RequestOptions): number {
  if (options.skipCache) return 0;
  const ttl = options.cacheTtlS ?? gateway.cacheTtlS;
  if (ttl === 0 && options.cacheKey !== undefined && options.cacheTtlS === undefined)
    return CUSTOM_KEY_DEFAULT_TTL_S;
  return ttl;
}

/**
 * Exact-match caching of completed answers. A hit is replayed through the engine, so it gets
 * its own response id, is stored (previous_response_id works from it), and streams or folds
 * to JSON as the client asked; a miss records the model's events and keeps them once the
 * answer completes. Errors, cancelled answers, tool loops and turns of a conversation are never
 * cached. Two identical requests in flight at once may both miss.
 */
export function cache(store: CacheStore, now: () => number, logger: Logger): Layer {
  return async (ctx, next) => {
    const { principal, gateway } = admitted(ctx);
    const { call } = ctx;
    const { options, steps } = call;
    // A step's own headers win over the request's (a universal request's fallback may not
    // cache): the cache is looked in when any step would keep its answer, and an answer is
    // kept as the step that made it says.
    if (steps.every((step) => ttlFor(gateway, stepOptions(call, step)) === 0)) return next();
    // A conversation grows with every turn and keeps its id: the same request on it asks anew.
    if (steps.some((step) => step.request.conversation)) return next();
    // A dynamic route decides per request (a draw, a counter, metadata the key leaves out).
    if (steps.some(namesRoute)) return next();
    const key = cacheKey(
      principal.project,
      steps.map((step) => step.request),
      steps.map((step) => step.options.cacheKey ?? options.cacheKey),
      gateway.cacheInvalidateOnUpdate ? `${gateway.id}@${gateway.updatedAt}` : '',
    );
    const hit = await store.get(key, now());
    if (hit) {
      ctx.replay = hit;
      ctx.trace.cacheStatus = 'HIT';
      const answer = await next();
      return { ...answer, headers: withFields(answer.headers, { 'cf-aig-cache-status': 'HIT' }) };
    }
    const recorder: ModelEventRecorder = { calls: 0, model: null, events: [], cacheable: true };
    ctx.recorder = recorder;
    ctx.trace.cacheStatus = 'MISS';
    const answer = await next();
    const ttl = ttlFor(gateway, answer.stepOptions ?? options);
    if (ttl === 0)
      return { ...answer, headers: withFields(answer.headers, { 'cf-aig-cache-status': 'MISS' }) };
    const keep = (answer: CachedAnswer) =>
      store
        .set(key, answer, now() + ttl * 1000)
        .catch((error: unknown) => logger.error('an answer could not be cached', { error: String(error) }));
    return {
      ...answer,
      headers: withFields(answer.headers, { 'cf-aig-cache-status': 'MISS' }),
      events: keepWhenComplete(answer.events, recorder, answer.step, keep),
    };
  };
}

/**
 * Passes the events on; once the last has gone and the answer completed, keeps what was
 * recorded, before the answer ends: the same request sent as soon as it has is a hit.
 */
async function* keepWhenComplete(
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>,
  recorder: ModelEventRecorder,
  step: number,
  keep: (answer: CachedAnswer) => Promise<void>,
): AsyncGenerator<ResponseStreamEvent, void, undefined> {
  let completed = false;
  for await (const event of events) {
    if (event.type === 'response.completed') completed = true;
    else if (event.type === 'response.incomplete')
      completed = event.response.incomplete_details?.reason === 'max_output_tokens';
    yield event;
  }
  if (completed && recorder.cacheable && recorder.calls === 1 && recorder.model !== null)
    await keep({ model: recorder.model, ...(step > 0 ? { step } : {}), events: recorder.events });
}
