import { z } from 'zod';
import { DynamicRoutesInput, type DynamicRoute } from './dynamic-route.ts';
import { DlpSettingsInput, type DlpSettings } from './dlp-settings.ts';
import { guardrailsObject, GuardrailsSettingsInput, type GuardrailsSettings } from './guardrails-settings.ts';
import { MAX_ATTEMPTS, MAX_GATEWAY_LOGS } from './limits.ts';
import { SpendLimitsInput, type SpendLimits } from './spend-limits-settings.ts';

/** How the delay between retries grows: `delay`, `delay * n`, `delay * 2^(n-1)`. */
export const BACKOFFS = ['constant', 'linear', 'exponential'] as const;
export type Backoff = (typeof BACKOFFS)[number];

/** Cloudflare's limits: at most 5 s between attempts (at most 5 of them), cache TTLs up to a month. */
export const MAX_RETRY_DELAY_MS = 5000;
export const MAX_CACHE_TTL_S = 30 * 24 * 3600;
/** Below a minute a cached answer is worth less than the bookkeeping (Cloudflare's floor). */
export const MIN_CACHE_TTL_S = 60;

/** A cache TTL, for a gateway or one request: 0 (no caching), or a minute to a month. */
export const CacheTtl = z
  .int('must be a whole number of seconds')
  .refine((ttl) => ttl === 0 || (ttl >= MIN_CACHE_TTL_S && ttl <= MAX_CACHE_TTL_S), {
    error: `must be 0 (no caching) or from ${MIN_CACHE_TTL_S} to ${MAX_CACHE_TTL_S} seconds`,
  });

export const GATEWAY_ID = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'gateway ids are 1 to 64 lowercase letters, digits, dashes and underscores',
  );

export const RateLimitRule = z.strictObject({
  limit: z.int('must be a whole number of requests').positive('must be positive'),
  /** Seconds. */
  period: z.int('must be a whole number of seconds').positive('must be positive'),
  technique: z.enum(['fixed', 'sliding'], "must be 'fixed' or 'sliding'").default('fixed'),
});

export const SpendLimitRule = z.strictObject({
  limit_usd: z.number('must be a number of US dollars').positive('must be positive'),
  /** Seconds: the budget is counted over this fixed-length trailing window. */
  period: z.int('must be a whole number of seconds').positive('must be positive'),
});

export const RetrySettings = z.strictObject({
  max_attempts: z.int().min(1).max(MAX_ATTEMPTS, `at most ${MAX_ATTEMPTS} attempts`).optional(),
  delay_ms: z.int().min(0).max(MAX_RETRY_DELAY_MS, `at most ${MAX_RETRY_DELAY_MS} ms`).optional(),
  backoff: z.enum(BACKOFFS, `must be one of ${BACKOFFS.join(', ')}`).optional(),
});

/** What a gateway does once it holds `max_logs` logs (Cloudflare's `log_management_strategy`). */
export const LOG_LIMIT_STRATEGIES = ['stop_inserting', 'delete_oldest'] as const;
export type LogLimitStrategy = (typeof LOG_LIMIT_STRATEGIES)[number];

/** How many logs the gateway keeps; the strategy left out keeps the current one (else stop_inserting). */
export const LogLimitRule = z.strictObject({
  max_logs: z
    .int('must be a whole number of logs')
    .min(1, 'must be at least 1 (collect_logs: false keeps none)')
    .max(MAX_GATEWAY_LOGS, `at most ${MAX_GATEWAY_LOGS}`),
  strategy: z.enum(LOG_LIMIT_STRATEGIES, `must be one of ${LOG_LIMIT_STRATEGIES.join(', ')}`).optional(),
});

/**
 * A gateway's settings as the config file and the admin API write them (snake_case, every
 * field optional: what is left out keeps its default, or its current value on an update).
 */
export const GatewaySettingsInput = z.strictObject({
  /** Requests must carry a valid key; without one they are refused (401). */
  authentication: z.boolean('must be true or false').optional(),
  /** Seconds a completed answer is served from the cache; 0 turns caching off. */
  cache_ttl: CacheTtl.optional(),
  /** A change to the gateway's settings leaves what it cached before unread (Cloudflare's setting). */
  cache_invalidate_on_update: z.boolean('must be true or false').optional(),
  rate_limit: RateLimitRule.nullable().optional(),
  /** Every request is logged (false: none is, unless the request asks). */
  collect_logs: z.boolean('must be true or false').optional(),
  /** Logs keep the request and response bodies (false: metadata only). */
  log_payloads: z.boolean('must be true or false').optional(),
  /** The most logs the gateway keeps, and what happens at that many (null: no cap). */
  log_limit: LogLimitRule.nullable().optional(),
  retries: RetrySettings.optional(),
  /** Milliseconds to the first byte of the answer, per attempt. */
  request_timeout_ms: z.int().positive('must be positive').nullable().optional(),
  spend_limit: SpendLimitRule.nullable().optional(),
  /** Cloudflare's spend limit rules: budgets per model, provider and metadata value (null removes them). */
  spend_limits: SpendLimitsInput.nullable().optional(),
  /** Dynamic routes, run by `model: "dynamic/<name>"` (an update replaces the whole list). */
  routes: DynamicRoutesInput.optional(),
  /** Data Loss Prevention: policies that flag or block sensitive data (null turns it off). */
  dlp: DlpSettingsInput.nullable().optional(),
  /** Guardrails: a classifier's verdict on prompts and responses, per hazard category (null turns them off). */
  guardrails: GuardrailsSettingsInput.nullable().optional(),
});
export type GatewaySettingsInput = z.input<typeof GatewaySettingsInput>;

export interface RateLimit {
  limit: number;
  periodMs: number;
  technique: 'fixed' | 'sliding';
}

export interface SpendLimit {
  limitUsd: number;
  periodMs: number;
}

/** A gateway's cap on its logs (log-store.ts enforces it). */
export interface LogLimit {
  maxLogs: number;
  strategy: LogLimitStrategy;
}

export interface Retries {
  maxAttempts: number;
  delayMs: number;
  backoff: Backoff;
}

/** A gateway as the pipeline reads it: every setting decided. */
export interface GatewaySettings {
  id: string;
  authentication: boolean;
  cacheTtlS: number;
  /** Answers cached before the settings last changed are not served (absent: false). */
  cacheInvalidateOnUpdate?: boolean;
  rateLimit: RateLimit | null;
  collectLogs: boolean;
  logPayloads: boolean;
  /** Absent: no cap (a gateway stored before caps existed has none either). */
  logLimit?: LogLimit;
  retries: Retries;
  requestTimeoutMs: number | null;
  spendLimit: SpendLimit | null;
  /** Absent: none. */
  spendLimits?: SpendLimits;
  /** Its dynamic routes; absent: none (a gateway stored before routes existed has none either). */
  routes?: DynamicRoute[];
  /** Absent: off (a gateway stored before DLP existed has none either). */
  dlp?: DlpSettings;
  /** Absent: off. */
  guardrails?: GuardrailsSettings;
  /** Where it is defined: the config file's gateways are read-only through the admin API. */
  source: 'builtin' | 'config' | 'api';
  createdAt: number;
  updatedAt: number;
}

/** Cloudflare's defaults for a new gateway: authentication and logs on, cache and limits off. */
export function defaultGateway(id: string, source: GatewaySettings['source'], now: number): GatewaySettings {
  return {
    id,
    authentication: true,
    cacheTtlS: 0,
    rateLimit: null,
    collectLogs: true,
    logPayloads: true,
    retries: { maxAttempts: 1, delayMs: 100, backoff: 'exponential' },
    requestTimeoutMs: null,
    spendLimit: null,
    source,
    createdAt: now,
    updatedAt: now,
  };
}

/** `input` applied over `base`: fields left out keep their value, `null` clears a limit. */
export function applyGatewaySettings(
  base: GatewaySettings,
  input: z.output<typeof GatewaySettingsInput>,
): GatewaySettings {
  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  const { dlp, guardrails, spendLimits, logLimit, ...rest } = base;
  return {
    ...rest,
    authentication: pick(input.authentication, base.authentication),
    cacheTtlS: pick(input.cache_ttl, base.cacheTtlS),
    cacheInvalidateOnUpdate: pick(input.cache_invalidate_on_update, base.cacheInvalidateOnUpdate ?? false),
    rateLimit:
      input.rate_limit === undefined
        ? base.rateLimit
        : input.rate_limit && {
            limit: input.rate_limit.limit,
            periodMs: input.rate_limit.period * 1000,
            technique: input.rate_limit.technique,
          },
    collectLogs: pick(input.collect_logs, base.collectLogs),
    logPayloads: pick(input.log_payloads, base.logPayloads),
    ...logLimitAfter(input.log_limit, logLimit),
    retries: {
      maxAttempts: pick(input.retries?.max_attempts, base.retries.maxAttempts),
      delayMs: pick(input.retries?.delay_ms, base.retries.delayMs),
      backoff: pick(input.retries?.backoff, base.retries.backoff),
    },
    requestTimeoutMs: pick(input.request_timeout_ms, base.requestTimeoutMs),
    spendLimit:
      input.spend_limit === undefined
        ? base.spendLimit
        : input.spend_limit && {
            limitUsd: input.spend_limit.limit_usd,
            periodMs: input.spend_limit.period * 1000,
          },
    ...(input.routes !== undefined ? { routes: input.routes } : {}),
    ...removable('dlp', input.dlp, dlp),
    ...removable('guardrails', input.guardrails, guardrails),
    ...removable('spendLimits', input.spend_limits, spendLimits),
  };
}

/** The log cap after an update: left out keeps it, `null` removes it, a strategy left out is kept. */
function logLimitAfter(
  given: z.output<typeof LogLimitRule> | null | undefined,
  current: LogLimit | undefined,
): { logLimit?: LogLimit } {
  if (given === undefined) return current ? { logLimit: current } : {};
  if (given === null) return {};
  return {
    logLimit: { maxLogs: given.max_logs, strategy: given.strategy ?? current?.strategy ?? 'stop_inserting' },
  };
}

/** A field that may be absent, after an update: left out keeps it, `null` removes it. */
function removable<K extends 'dlp' | 'guardrails' | 'spendLimits', T>(
  key: K,
  given: T | null | undefined,
  current: T | undefined,
): Partial<Record<K, T>> {
  const value = given === undefined ? current : (given ?? undefined);
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, T>>);
}

/** A gateway as the admin API answers it. */
export function gatewayObject(settings: GatewaySettings) {
  return {
    id: settings.id,
    object: 'gateway' as const,
    authentication: settings.authentication,
    cache_ttl: settings.cacheTtlS,
    cache_invalidate_on_update: settings.cacheInvalidateOnUpdate ?? false,
    rate_limit: settings.rateLimit && {
      limit: settings.rateLimit.limit,
      period: settings.rateLimit.periodMs / 1000,
      technique: settings.rateLimit.technique,
    },
    collect_logs: settings.collectLogs,
    log_payloads: settings.logPayloads,
    log_limit: settings.logLimit
      ? { max_logs: settings.logLimit.maxLogs, strategy: settings.logLimit.strategy }
      : null,
    retries: {
      max_attempts: settings.retries.maxAttempts,
      delay_ms: settings.retries.delayMs,
      backoff: settings.retries.backoff,
    },
    request_timeout_ms: settings.requestTimeoutMs,
    spend_limit: settings.spendLimit && {
      limit_usd: settings.spendLimit.limitUsd,
      period: settings.spendLimit.periodMs / 1000,
    },
    spend_limits: settings.spendLimits ?? null,
    routes: settings.routes ?? [],
    dlp: settings.dlp ?? null,
    guardrails: settings.guardrails ? guardrailsObject(settings.guardrails) : null,
    source: settings.source,
    created_at: Math.floor(settings.createdAt / 1000),
    updated_at: Math.floor(settings.updatedAt / 1000),
  };
}
