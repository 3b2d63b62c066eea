import { ApiError } from '../api/errors.ts';
import type { RateLimit } from '../api/gateway-settings.ts';
import { admitted, type Layer } from './gateway-call.ts';
import type { RateLimiter } from './rate-limiter.ts';

function describe(rule: RateLimit): string {
  return `${rule.limit} request${rule.limit === 1 ? '' : 's'} per ${rule.periodMs / 1000} s (${rule.technique} window)`;
}

/** Per gateway and per key: over either rule, a 429 with `retry-after`, and the request is not run. */
export function rateLimit(limiter: RateLimiter, now: () => number): Layer {
  return async (ctx, next) => {
    // A background run was counted when it was queued.
    if (ctx.call.resume) return next();
    const { principal, gateway } = admitted(ctx);
    const rules: Array<[string, RateLimit | null | undefined, string]> = [
      [`gateway:${gateway.id}`, gateway.rateLimit, `the gateway '${gateway.id}'`],
      [`key:${principal.keyId}`, principal.keyId === null ? null : principal.rateLimit, 'this key'],
    ];
    for (const [key, rule, owner] of rules) {
      if (!rule) continue;
      const decision = await limiter.consume(key, rule, now());
      if (decision.allowed) continue;
      const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new ApiError({
        status: 429,
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        message: `Rate limit reached for ${owner}: ${describe(rule)}. Try again in ${retryAfter} s.`,
        retryAfter,
      });
    }
    return next();
  };
}
