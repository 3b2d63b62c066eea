import { text, type OptionSpec, type Values } from './command.ts';
import { parseBudget, parseDuration, parseRateLimit } from './parse-limits.ts';

export const GATEWAY_SETTING_OPTIONS: OptionSpec = {
  auth: { type: 'string' },
  'cache-ttl': { type: 'string' },
  'rate-limit': { type: 'string' },
  'spend-limit': { type: 'string' },
  'collect-logs': { type: 'string' },
  'log-payloads': { type: 'string' },
  'log-limit': { type: 'string' },
  attempts: { type: 'string' },
  'retry-delay': { type: 'string' },
  backoff: { type: 'string' },
  timeout: { type: 'string' },
};

export const GATEWAY_SETTINGS_USAGE = `[--auth true|false] [--cache-ttl 5m|0] [--rate-limit 100/60s[:sliding]|none]
                     [--spend-limit 10/30d|none] [--collect-logs true|false] [--log-payloads true|false]
                     [--log-limit MAX_LOGS[:stop_inserting|delete_oldest]|none]
                     [--attempts 1-5] [--retry-delay MS] [--backoff constant|linear|exponential] [--timeout MS|none]`;

function flag(values: Values, name: string): boolean | undefined {
  const value = text(values, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new Error(`--${name} takes true or false, not '${value}'`);
  return value === 'true';
}

function whole(values: Values, name: string, what: string): number | undefined {
  const value = text(values, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} takes ${what}, not '${value}'`);
  return Number(value);
}

/**
 * The settings options as the admin API's gateway settings (only those given); a malformed
 * value is an error naming its option. The API checks the ranges and says what they are.
 */
export function gatewaySettingsFrom(values: Values): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  const set = (name: string, value: unknown) => value !== undefined && (settings[name] = value);
  set('authentication', flag(values, 'auth'));
  set('collect_logs', flag(values, 'collect-logs'));
  set('log_payloads', flag(values, 'log-payloads'));
  const ttl = text(values, 'cache-ttl');
  if (ttl !== undefined) {
    const seconds = ttl === '0' ? 0 : parseDuration(ttl);
    if (seconds === undefined)
      throw new Error(`--cache-ttl takes a duration like 300, 5m or 0 (off), not '${ttl}'`);
    settings.cache_ttl = seconds;
  }
  const rate = text(values, 'rate-limit');
  if (rate !== undefined) {
    const rule = rate === 'none' ? null : parseRateLimit(rate);
    if (rule === undefined)
      throw new Error(
        `--rate-limit takes requests per period like 100/60s or 100/1m:sliding (or none), not '${rate}'`,
      );
    settings.rate_limit = rule;
  }
  const spend = text(values, 'spend-limit');
  if (spend !== undefined) {
    const rule = spend === 'none' ? null : parseBudget(spend);
    if (rule === undefined)
      throw new Error(`--spend-limit takes dollars per period like 10/30d (or none), not '${spend}'`);
    settings.spend_limit = rule;
  }
  const cap = text(values, 'log-limit');
  if (cap !== undefined) {
    const match = /^(\d+)(?::(stop_inserting|delete_oldest))?$/.exec(cap);
    if (cap !== 'none' && !match)
      throw new Error(
        `--log-limit takes a number of logs, then :stop_inserting or :delete_oldest (or none), not '${cap}'`,
      );
    settings.log_limit = match
      ? { max_logs: Number(match[1]), ...(match[2] ? { strategy: match[2] } : {}) }
      : null;
  }
  const attempts = whole(values, 'attempts', 'a number of attempts from 1 to 5');
  const delay = whole(values, 'retry-delay', 'milliseconds');
  const backoff = text(values, 'backoff');
  if (attempts !== undefined || delay !== undefined || backoff !== undefined)
    settings.retries = {
      ...(attempts !== undefined ? { max_attempts: attempts } : {}),
      ...(delay !== undefined ? { delay_ms: delay } : {}),
      ...(backoff !== undefined ? { backoff } : {}),
    };
  const timeout = text(values, 'timeout');
  if (timeout !== undefined)
    settings.request_timeout_ms =
      timeout === 'none' ? null : whole(values, 'timeout', 'milliseconds or none');
  return settings;
}
