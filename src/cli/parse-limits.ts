/** `30s`, `15m`, `12h`, `30d` (or a bare number of seconds) as seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const seconds = Math.round(Number(match[1]) * unit);
  return seconds > 0 ? seconds : undefined;
}

/** `100/60s` or `100/1m:sliding` as a rate limit rule. */
export function parseRateLimit(
  text: string,
): { limit: number; period: number; technique: 'fixed' | 'sliding' } | undefined {
  const match = /^(\d+)\/([^:]+)(?::(fixed|sliding))?$/.exec(text.trim());
  if (!match) return undefined;
  const period = parseDuration(match[2]!);
  const limit = Number(match[1]);
  if (period === undefined || limit < 1) return undefined;
  return { limit, period, technique: (match[3] as 'fixed' | 'sliding' | undefined) ?? 'fixed' };
}

/** `10/30d` (dollars per period) as a budget. */
export function parseBudget(text: string): { limit_usd: number; period: number } | undefined {
  const match = /^\$?(\d+(?:\.\d+)?)\/(.+)$/.exec(text.trim());
  if (!match) return undefined;
  const period = parseDuration(match[2]!);
  const limit = Number(match[1]);
  if (period === undefined || !(limit > 0)) return undefined;
  return { limit_usd: limit, period };
}
