import { ApiError } from '../api/errors.ts';
import type { RateLimit } from '../api/gateway-settings.ts';
import { admitted, type Layer } from './gateway-call.ts';
import type { RateLimiter } from './rate-limiter.ts';

function describe(rule: RateLimit, cost: boolean): string {
  const amount = cost ? `$${rule.limit}` : `${rule.limit} request${rule.limit === 1 ? '' : 's'}`;
  return `${amount} per ${rule.periodMs / 1000} s (${rule.technique} window)`;
}

/** The 429 for a request over `owner`'s rule (of requests, or with `cost` of US dollars), with `retry-after`. */
export function overLimit(rule: RateLimit, retryAfterMs: number, owner: string, cost = false): ApiError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError({
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message: `Rate limit reached for ${owner}: ${describe(rule, cost)}. Try again in ${retryAfter} s.`,
    retryAfter,
  });
}

/** Per gateway and per key: over either rule, a 429 with `retry-after`, and the request is not run. */
export function rateLimit(limiter: RateLimiter, now: () => number): Layer {
  const consume = async (key: string, rule: RateLimit, owner: string) => {
    const decision = await limiter.consume(key, rule, now());
    if (!decision.allowed) throw overLimit(rule, decision.retryAfterMs, owner);
  };
  return async (ctx, next) => {
    // A background run was counted when it was queued.
    if (ctx.call.resume) return next();
    const { principal, gateway } = admitted(ctx);
    // Checked one by one: most requests have no rule at all and allocate nothing here.
    if (gateway.rateLimit)
      await consume(`gateway:${gateway.id}`, gateway.rateLimit, `the gateway '${gateway.id}'`);
    if (principal.keyId !== null && principal.rateLimit)
      await consume(`key:${principal.keyId}`, principal.rateLimit, 'this key');
    return next();
  };
}
