import type { RateLimit } from '../api/gateway-settings.ts';
import type { RateDecision, RateLimiter } from '../gateway/rate-limiter.ts';
import type { PrimaryLink } from './primary-link.ts';

/**
 * A worker's rate limiter: every count is made by the primary's one in-memory limiter, so N
 * workers allow what one process would (with Redis configured, Redis is used instead).
 */
export class PrimaryRateLimiter implements RateLimiter {
  constructor(private readonly link: PrimaryLink) {}

  async consume(key: string, rule: RateLimit, now: number): Promise<RateDecision> {
    return (await this.link.ask({ kind: 'rate', key, rule, now }, 'rate')).decision;
  }
}
