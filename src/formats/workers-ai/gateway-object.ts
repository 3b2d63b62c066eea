import { z } from 'zod';
import { badRequest } from '../../api/errors.ts';
import {
  BACKOFFS,
  GATEWAY_ID,
  LogLimitRule,
  MAX_RETRY_DELAY_MS,
  type GatewaySettings,
  type GatewaySettingsInput,
} from '../../api/gateway-settings.ts';
import { MAX_ATTEMPTS } from '../../api/limits.ts';
import { cloudflarePageQuery } from './cloudflare-page.ts';

const Count = z.int('must be a whole number').min(0, 'must not be negative');

/**
 * A gateway as Cloudflare's API writes it (`aiGateway.create`, `aiGateway.update`): its five
 * required settings and the optional ones Portico has. Cloudflare's settings Portico has no
 * counterpart for are taken only at their "off" value, so that a script written for Cloudflare
 * never sets something Portico would then ignore.
 */
const GatewayFields = z.strictObject({
  cache_invalidate_on_update: z.boolean('must be true or false'),
  cache_ttl: Count.nullable(),
  collect_logs: z.boolean('must be true or false'),
  rate_limiting_interval: Count.nullable(),
  rate_limiting_limit: Count.nullable(),
  rate_limiting_technique: z.enum(['fixed', 'sliding'], "must be 'fixed' or 'sliding'").nullish(),
  authentication: z.boolean('must be true or false').optional(),
  retry_backoff: z.enum(BACKOFFS, `must be one of ${BACKOFFS.join(', ')}`).nullish(),
  retry_delay: Count.max(MAX_RETRY_DELAY_MS, `at most ${MAX_RETRY_DELAY_MS} ms`).nullish(),
  retry_max_attempts: z.int().min(1).max(MAX_ATTEMPTS, `at most ${MAX_ATTEMPTS} attempts`).nullish(),
  workers_ai_billing_mode: z
    .literal('postpaid', unsupported('workers_ai_billing_mode', "'postpaid'"))
    .optional(),
  byok_only: z.literal(false, unsupported('byok_only', 'false')).optional(),
  log_classification: z.literal(false, unsupported('log_classification', 'false')).optional(),
  /** Portico's `log_limit`: the most logs kept, and what happens at that many. */
  log_management: LogLimitRule.shape.max_logs.nullish(),
  log_management_strategy: z
    .enum(['STOP_INSERTING', 'DELETE_OLDEST'], "must be 'STOP_INSERTING' or 'DELETE_OLDEST'")
    .nullish(),
  logpush: z.literal(false, unsupported('logpush', 'false')).optional(),
  logpush_public_key: z.null(unsupported('logpush_public_key', 'null')).optional(),
  otel: z.null(unsupported('otel', 'null')).optional(),
  store_id: z.null(unsupported('store_id', 'null')).optional(),
  stripe: z.null(unsupported('stripe', 'null')).optional(),
  zdr: z.literal(false, unsupported('zdr', 'false')).optional(),
  /** Checked as Portico's `spend_limits` (spend-limits-settings.ts), which is Cloudflare's form. */
  spend_limits: z.unknown().optional(),
  /** Checked as Portico's `dlp` (dlp-settings.ts), whose policies form is Cloudflare's. */
  dlp: z.unknown().optional(),
  /** `{prompt, response}`, each category's action; checked as Portico's `guardrails`, turned on. */
  guardrails: z.looseObject({}, 'must be an object or null').nullish(),
});

function unsupported(field: string, accepted: string): string {
  return `Portico does not support '${field}': it takes only ${accepted}`;
}

/** `POST /accounts/:account/ai-gateway/gateways`. */
export const CloudflareGatewayCreate = GatewayFields.extend({ id: GATEWAY_ID });
/** `PUT /accounts/:account/ai-gateway/gateways/:id`: the required settings again, the others kept when left out. */
export const CloudflareGatewayUpdate = GatewayFields;

/** `GET /accounts/:account/ai-gateway/gateways`: Cloudflare's page numbers, and `search` in the id. */
export const CloudflareGatewayListQuery = cloudflarePageQuery(20).extend({
  search: z.string().max(64).optional(),
});

/**
 * Cloudflare's settings as Portico's input (gateway-settings.ts, which then checks them as the
 * admin API does): a rate limit needs both its numbers.
 */
export function settingsInput(fields: z.output<typeof GatewayFields>): GatewaySettingsInput {
  const { rate_limiting_limit: limit, rate_limiting_interval: period } = fields;
  if ((limit ? 1 : 0) + (period ? 1 : 0) === 1)
    throw badRequest(
      limit ? 'rate_limiting_interval' : 'rate_limiting_limit',
      'A rate limit takes both rate_limiting_limit and rate_limiting_interval (0 or null for none).',
    );
  return {
    cache_ttl: fields.cache_ttl ?? 0,
    cache_invalidate_on_update: fields.cache_invalidate_on_update,
    collect_logs: fields.collect_logs,
    rate_limit:
      limit && period ? { limit, period, technique: fields.rate_limiting_technique ?? 'fixed' } : null,
    ...(fields.authentication !== undefined ? { authentication: fields.authentication } : {}),
    ...logLimitInput(fields),
    ...(fields.dlp !== undefined ? { dlp: fields.dlp as GatewaySettingsInput['dlp'] } : {}),
    ...(fields.spend_limits !== undefined
      ? { spend_limits: fields.spend_limits as GatewaySettingsInput['spend_limits'] }
      : {}),
    ...(fields.guardrails !== undefined
      ? { guardrails: fields.guardrails && { enabled: true, ...fields.guardrails } }
      : {}),
    retries: {
      ...(fields.retry_max_attempts != null ? { max_attempts: fields.retry_max_attempts } : {}),
      ...(fields.retry_delay != null ? { delay_ms: fields.retry_delay } : {}),
      ...(fields.retry_backoff != null ? { backoff: fields.retry_backoff } : {}),
    },
  };
}

/**
 * Cloudflare's log_management (null: no cap) as Portico's log_limit; a strategy alone, with no
 * cap to apply to, is refused rather than dropped.
 */
function logLimitInput(fields: z.output<typeof GatewayFields>): Pick<GatewaySettingsInput, 'log_limit'> {
  const { log_management: max, log_management_strategy: strategy } = fields;
  if (max === undefined) {
    if (strategy == null) return {};
    throw badRequest(
      'log_management',
      'log_management_strategy applies to a cap: send log_management with it.',
    );
  }
  if (max === null) return { log_limit: null };
  return {
    log_limit: {
      max_logs: max,
      ...(strategy ? { strategy: strategy === 'DELETE_OLDEST' ? 'delete_oldest' : 'stop_inserting' } : {}),
    },
  };
}

/** A gateway as Cloudflare's API answers it. */
export function cloudflareGatewayObject(settings: GatewaySettings) {
  return {
    id: settings.id,
    cache_invalidate_on_update: settings.cacheInvalidateOnUpdate ?? false,
    cache_ttl: settings.cacheTtlS,
    collect_logs: settings.collectLogs,
    created_at: new Date(settings.createdAt).toISOString(),
    modified_at: new Date(settings.updatedAt).toISOString(),
    rate_limiting_interval: settings.rateLimit ? settings.rateLimit.periodMs / 1000 : null,
    rate_limiting_limit: settings.rateLimit?.limit ?? null,
    rate_limiting_technique: settings.rateLimit?.technique ?? 'fixed',
    authentication: settings.authentication,
    retry_backoff: settings.retries.backoff,
    retry_delay: settings.retries.delayMs,
    retry_max_attempts: settings.retries.maxAttempts,
    is_default: settings.id === 'default',
    byok_only: false,
    log_management: settings.logLimit?.maxLogs ?? null,
    log_management_strategy: settings.logLimit
      ? settings.logLimit.strategy === 'delete_oldest'
        ? ('DELETE_OLDEST' as const)
        : ('STOP_INSERTING' as const)
      : null,
    logpush: false,
    logpush_public_key: null,
    workers_ai_billing_mode: 'postpaid' as const,
    zdr: false,
    spend_limits: settings.spendLimits ?? null,
    ...(settings.dlp ? { dlp: settings.dlp } : {}),
    guardrails: settings.guardrails?.enabled
      ? { prompt: settings.guardrails.prompt, response: settings.guardrails.response }
      : null,
  };
}
