import { createHash } from 'node:crypto';
import { ApiError } from '../api/errors.ts';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { SpendDimension, SpendRule } from '../api/spend-limits-settings.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { SPEND_BUCKET_MS } from '../store/log-filter-sql.ts';
import type { SpendScope } from '../store/log-store.ts';
import type { MetadataValue } from './request-options.ts';

export interface SpendRuleDeps {
  catalog: Catalog;
  spent: (scope: SpendScope, since: number) => Promise<number>;
  now: () => number;
}

/**
 * Where a cost budget's window starts (fixed: at the last multiple of its length since the
 * epoch, so a day's starts at 00:00 UTC; sliding: its length ago) and, once it is spent, how
 * long until it frees up: the fixed window's end, or for a sliding one the next hourly spend
 * bucket's turn (spend is counted by the hour).
 */
export function spendWindow(
  now: number,
  periodMs: number,
  technique: 'fixed' | 'sliding',
): { since: number; retryAfterMs: number } {
  if (technique === 'fixed') {
    const since = now - (now % periodMs);
    return { since, retryAfterMs: since + periodMs - now };
  }
  return { since: now - periodMs, retryAfterMs: SPEND_BUCKET_MS - (now % SPEND_BUCKET_MS) };
}

/** What a model call is, as spend rules read it. */
interface Subject {
  /** The catalog id, an alias's target for partitions (an alias shares its model's budget). */
  model: string;
  /** Filters match the id asked for too (a filter on a model also holds for its aliases). */
  names: readonly string[];
  provider: string;
  metadata: Record<string, MetadataValue>;
}

/**
 * A rule's bucket for this call: `undefined` when a filter leaves the call out. Calls without a
 * partitioned value (a metadata key left out) share one bucket, so leaving a key out is no way
 * around a per-user budget.
 */
function bucket(gatewayId: string, rule: SpendRule, subject: Subject): string | undefined {
  const parts: unknown[] = [gatewayId];
  const dimension = (name: string, spec: SpendDimension | undefined, values: readonly string[]) => {
    if (!spec) return true;
    if (spec.mode === 'partition') parts.push(name, values[0] ?? null);
    // A filter's bucket is its value set's: two rules filtering the same values count the same spend.
    else if (values.some((value) => spec.values.includes(value))) parts.push(name, [...spec.values].sort());
    else return false;
    return true;
  };
  if (!dimension('model', rule.model, [subject.model, ...subject.names])) return undefined;
  if (!dimension('provider', rule.provider, subject.provider ? [subject.provider] : [])) return undefined;
  for (const key of Object.keys(rule.metadata ?? {}).sort()) {
    const value = subject.metadata[key];
    if (!dimension(`metadata.${key}`, rule.metadata![key], value == null ? [] : [String(value)]))
      return undefined;
  }
  // A digest keeps the spend table's scope column short whatever the values.
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

function describe(rule: SpendRule, index: number, gatewayId: string): string {
  const days = rule.window / 86_400;
  const window = Number.isInteger(days) ? `${days} day${days === 1 ? '' : 's'}` : `${rule.window / 3600} h`;
  const name = rule.id === undefined ? `spend_limits.rules[${index}]` : `'${rule.id}'`;
  return `The spend limit ${name} of the gateway '${gatewayId}' ($${rule.limit} per ${window}, ${rule.technique}) is reached`;
}

/**
 * Checks a gateway's spend limit rules (Cloudflare's `spend_limits`) for one model call, before
 * it is sent: every enabled rule whose filters hold, in its bucket (split by the values of its
 * partitioned dimensions). Spent: a 429 naming the rule, so that a route's or a model's fallback
 * may answer instead (Cloudflare's way to fall back to a cheaper model). Else the buckets the
 * call's cost is to be added to once it answers (the log entry's spend scopes). Spend is
 * recorded as a request ends, so concurrent requests may overshoot a little, as on Cloudflare.
 */
export async function checkSpendRules(
  gateway: GatewaySettings,
  model: string,
  metadata: Record<string, MetadataValue> | undefined,
  deps: SpendRuleDeps,
): Promise<SpendScope[]> {
  const limits = gateway.spendLimits;
  if (!limits?.enabled) return [];
  const known = deps.catalog.get(model);
  const subject: Subject = {
    model: known?.aliasOf ?? known?.id ?? model,
    names: known ? [known.id] : [],
    provider: known?.provider ?? '',
    metadata: metadata ?? {},
  };
  const scopes: SpendScope[] = [];
  const now = deps.now();
  for (const [index, rule] of limits.rules.entries()) {
    if (!rule.enabled) continue;
    const key = bucket(gateway.id, rule, subject);
    if (key === undefined) continue;
    const scope = { rule: key };
    const { since, retryAfterMs } = spendWindow(now, rule.window * 1000, rule.technique);
    if ((await deps.spent(scope, since)) >= rule.limit) {
      const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new ApiError({
        status: 429,
        type: 'rate_limit_error',
        code: 'budget_exceeded',
        message: `${describe(rule, index, gateway.id)} for the model '${model}'. Try again in ${retryAfter} s.`,
        retryAfter,
        retryable: false,
      });
    }
    scopes.push(scope);
  }
  return scopes;
}
