import type { Gateway } from '../types.ts';

/** A gateway's settings as its form holds them: text for numbers, empty for "no limit". */
export interface GatewayForm {
  id: string;
  authentication: boolean;
  collectLogs: boolean;
  logPayloads: boolean;
  maxLogs: string;
  logStrategy: 'stop_inserting' | 'delete_oldest';
  cacheTtl: string;
  rateLimit: string;
  ratePeriod: string;
  rateTechnique: 'fixed' | 'sliding';
  maxAttempts: string;
  retryDelayMs: string;
  backoff: 'constant' | 'linear' | 'exponential';
  timeoutMs: string;
  spendUsd: string;
  spendPeriod: string;
}

export const NEW_GATEWAY: GatewayForm = {
  id: '',
  authentication: true,
  collectLogs: true,
  logPayloads: true,
  maxLogs: '',
  logStrategy: 'stop_inserting',
  cacheTtl: '0',
  rateLimit: '',
  ratePeriod: '60',
  rateTechnique: 'fixed',
  maxAttempts: '1',
  retryDelayMs: '100',
  backoff: 'exponential',
  timeoutMs: '',
  spendUsd: '',
  spendPeriod: '86400',
};

export function gatewayForm(gateway: Gateway): GatewayForm {
  return {
    id: gateway.id,
    authentication: gateway.authentication,
    collectLogs: gateway.collect_logs,
    logPayloads: gateway.log_payloads,
    maxLogs: gateway.log_limit ? String(gateway.log_limit.max_logs) : '',
    logStrategy: gateway.log_limit?.strategy ?? 'stop_inserting',
    cacheTtl: String(gateway.cache_ttl),
    rateLimit: gateway.rate_limit ? String(gateway.rate_limit.limit) : '',
    ratePeriod: String(gateway.rate_limit?.period ?? 60),
    rateTechnique: gateway.rate_limit?.technique ?? 'fixed',
    maxAttempts: String(gateway.retries.max_attempts),
    retryDelayMs: String(gateway.retries.delay_ms),
    backoff: gateway.retries.backoff,
    timeoutMs: gateway.request_timeout_ms === null ? '' : String(gateway.request_timeout_ms),
    spendUsd: gateway.spend_limit ? String(gateway.spend_limit.limit_usd) : '',
    spendPeriod: String(gateway.spend_limit?.period ?? 86_400),
  };
}

/** The admin API's settings from the form; an empty limit is `null` (none). The server checks every value. */
export function gatewaySettings(form: GatewayForm): Record<string, unknown> {
  return {
    authentication: form.authentication,
    collect_logs: form.collectLogs,
    log_payloads: form.logPayloads,
    log_limit: form.maxLogs ? { max_logs: Number(form.maxLogs), strategy: form.logStrategy } : null,
    cache_ttl: Number(form.cacheTtl || 0),
    rate_limit: form.rateLimit
      ? { limit: Number(form.rateLimit), period: Number(form.ratePeriod), technique: form.rateTechnique }
      : null,
    retries: {
      max_attempts: Number(form.maxAttempts),
      delay_ms: Number(form.retryDelayMs),
      backoff: form.backoff,
    },
    request_timeout_ms: form.timeoutMs ? Number(form.timeoutMs) : null,
    spend_limit: form.spendUsd
      ? { limit_usd: Number(form.spendUsd), period: Number(form.spendPeriod) }
      : null,
  };
}
