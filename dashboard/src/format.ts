/** How numbers, money, times and durations read across the dashboard. */
const count = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCount = (n: number): string => (n >= 100_000 ? compact.format(n) : count.format(n));

export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

export const formatMs = (ms: number | null): string =>
  ms === null ? '–' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;

export const formatPercent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** Seconds since the epoch as a local date and time. */
export const formatTime = (seconds: number): string =>
  new Date(seconds * 1000).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

export const formatJson = (value: unknown): string => JSON.stringify(value, null, 2);
