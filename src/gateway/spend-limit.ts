import { ApiError } from '../api/errors.ts';
import type { SpendLimit } from '../api/gateway-settings.ts';
import type { LogStore, SpendScope } from '../store/log-store.ts';
import { admitted, type Layer } from './gateway-call.ts';

function describe(limit: SpendLimit): string {
  const days = limit.periodMs / 86_400_000;
  const period = Number.isInteger(days)
    ? `${days} day${days === 1 ? '' : 's'}`
    : `${limit.periodMs / 1000} s`;
  return `$${limit.limitUsd.toFixed(2)} per ${period}`;
}

/**
 * A key's budget and a gateway's spend limit, each over its trailing window: once spent, the
 * request is refused with a 429 that names the budget. Cost is recorded when a request ends,
 * so a burst of concurrent requests can overshoot a little (as on Cloudflare).
 */
export function spendLimit(logs: LogStore, now: () => number): Layer {
  const check = async (scope: SpendScope, limit: SpendLimit, owner: string) => {
    const spent = await logs.spend(scope, now() - limit.periodMs);
    if (spent < limit.limitUsd) return;
    throw new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code: 'budget_exceeded',
      message: `The spend limit of ${owner} is reached: $${spent.toFixed(4)} of ${describe(limit)}.`,
      retryable: false,
    });
  };
  return async (ctx, next) => {
    const { principal, gateway } = admitted(ctx);
    // Checked one by one: most requests have no limit at all and allocate nothing here.
    if (gateway.spendLimit)
      await check({ gateway: gateway.id }, gateway.spendLimit, `the gateway '${gateway.id}'`);
    if (principal.keyId !== null && principal.budget)
      await check({ keyId: principal.keyId }, principal.budget, 'this key');
    return next();
  };
}
