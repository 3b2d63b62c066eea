import { ApiError } from '../api/errors.ts';
import type { SpendLimit } from '../api/gateway-settings.ts';
import type { LogStore, SpendScope } from '../store/log-store.ts';
import { admitted, type Layer } from './gateway-call.ts';

function describe(limit: SpendLimit): string {
  const days = limit.periodMs / 86_400_000;
  const period = Number.isInteger(days)
    ? `${days} day${days === 1 ? '' : 's'}`
    : `${limit.periodMs / 1000} s`;
  // Cents, unless the limit is finer (a budget of $0.001 is not $0.00).
  const cents = limit.limitUsd.toFixed(2);
  return `$${Number(cents) === limit.limitUsd ? cents : String(limit.limitUsd)} per ${period}`;
}

/**
 * A key's budget and a gateway's spend limit, each over its trailing window: once spent, the
 * request is refused with a 429 that names the budget. Cost is recorded when a request ends,
 * so a burst of concurrent requests can overshoot a little (as on Cloudflare).
 */
export function spendLimit(logs: LogStore, now: () => number): Layer {
  // A key's caller is told what its key spent; a gateway's spend is every project's, and stays unsaid.
  const check = async (scope: SpendScope, limit: SpendLimit, owner: string, tellSpent: boolean) => {
    const spent = await logs.spend(scope, now() - limit.periodMs);
    if (spent < limit.limitUsd) return;
    const amount = tellSpent ? `: $${spent.toFixed(4)} of ${describe(limit)}` : ` (${describe(limit)})`;
    throw new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code: 'budget_exceeded',
      message: `The spend limit of ${owner} is reached${amount}.`,
      retryable: false,
    });
  };
  return async (ctx, next) => {
    const { principal, gateway } = admitted(ctx);
    // Checked one by one: most requests have no limit at all and allocate nothing here.
    if (gateway.spendLimit)
      await check({ gateway: gateway.id }, gateway.spendLimit, `the gateway '${gateway.id}'`, false);
    if (principal.keyId !== null && principal.budget)
      await check({ keyId: principal.keyId }, principal.budget, 'this key', true);
    return next();
  };
}
