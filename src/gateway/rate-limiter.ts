import type { RateLimit } from '../api/gateway-settings.ts';

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the window after this one (0 when refused). */
  remaining: number;
  /** Milliseconds until a request would be allowed again (0 when allowed). */
  retryAfterMs: number;
}

/**
 * Counts requests per key (`gateway:default`, `key:key_…`) under a rule. `fixed` windows are
 * aligned to the epoch (10 at 12:09 and 10 at 12:11 both pass a 10-per-2-minutes rule);
 * `sliding` allows no more than `limit` in any trailing window. A refused request does not
 * count. The embedded implementation is in-process; Redis shares counters between replicas.
 */
export interface RateLimiter {
  consume(key: string, rule: RateLimit, now: number): Promise<RateDecision>;
}
