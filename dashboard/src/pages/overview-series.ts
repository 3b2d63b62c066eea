import type { Series } from '../components/chart-series.ts';
import type { AnalyticsRow } from '../types.ts';

export interface ChartData {
  times: number[];
  series: Series[];
}

/**
 * Analytics rows as chart lines on a gap-free time axis: every bucket from `from` to `to`
 * (seconds) is a point, with 0 where nothing was logged (null for ratios and latencies, which
 * have no value without requests). One line per group, or one named `label` ungrouped.
 */
export function chartData(
  rows: readonly AnalyticsRow[],
  range: { from: number; to: number; bucket: number },
  label: string,
  value: (row: AnalyticsRow) => number | null,
  empty: 0 | null,
): ChartData {
  const start = Math.floor(range.from / range.bucket) * range.bucket;
  const times: number[] = [];
  for (let t = start; t < range.to; t += range.bucket) times.push(t);
  const index = new Map(times.map((t, n) => [t, n]));
  const groups = [...new Set(rows.map((row) => row.group ?? label))];
  const lines = new Map(groups.map((group) => [group, times.map((): number | null => empty)]));
  for (const row of rows) {
    const at = index.get(row.time);
    const line = lines.get(row.group ?? label);
    if (at !== undefined && line) line[at] = value(row);
  }
  return { times, series: [...lines].map(([name, values]) => ({ label: name, values })) };
}

/** The sums of many rows (percentiles are not sums: those come from a `range` query). */
export function sumRows(rows: readonly AnalyticsRow[]) {
  const total = { requests: 0, errors: 0, cache_hits: 0, tokens_in: 0, tokens_out: 0, cost: 0 };
  for (const row of rows)
    for (const name of Object.keys(total) as (keyof typeof total)[]) total[name] += row[name];
  return total;
}
