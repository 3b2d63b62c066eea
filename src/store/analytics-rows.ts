import type { AnalyticsRow } from './log-store.ts';
import { percentile } from './percentile.ts';

/** The sums of one bucket and group, as both backends' GROUP BY gives them. */
export interface AnalyticsSums {
  bucket: number;
  grp: string | null;
  requests: number;
  errors: number;
  cache_hits: number;
  tokens_in: number;
  tokens_cached: number;
  tokens_out: number;
  tokens_reasoning: number;
  cost: number;
}

/** One request's latencies, with the bucket and group it falls in. */
export interface LatencySample {
  bucket: number;
  grp: string | null;
  duration_ms: number;
  ttft_ms: number | null;
}

/** The rows of an analytics answer: each bucket's sums with its latency percentiles. */
export function analyticsRows(
  sums: readonly AnalyticsSums[],
  samples: Iterable<LatencySample>,
): AnalyticsRow[] {
  const key = (bucket: number, group: string | null) => `${bucket}\u0000${group ?? ''}`;
  const latencies = new Map<string, { duration: number[]; ttft: number[] }>();
  for (const sample of samples) {
    const id = key(Number(sample.bucket), sample.grp);
    let lists = latencies.get(id);
    if (!lists) latencies.set(id, (lists = { duration: [], ttft: [] }));
    lists.duration.push(Number(sample.duration_ms));
    if (sample.ttft_ms !== null) lists.ttft.push(Number(sample.ttft_ms));
  }
  return sums.map((row) => {
    const lists = latencies.get(key(Number(row.bucket), row.grp)) ?? { duration: [], ttft: [] };
    const duration = lists.duration.sort((a, b) => a - b);
    const ttft = lists.ttft.sort((a, b) => a - b);
    return {
      bucket: Number(row.bucket),
      group: row.grp,
      requests: Number(row.requests),
      errors: Number(row.errors),
      cacheHits: Number(row.cache_hits),
      tokensIn: Number(row.tokens_in),
      tokensCached: Number(row.tokens_cached),
      tokensOut: Number(row.tokens_out),
      tokensReasoning: Number(row.tokens_reasoning),
      cost: Number(row.cost),
      latencyP50: percentile(duration, 0.5),
      latencyP95: percentile(duration, 0.95),
      ttftP50: ttft.length ? percentile(ttft, 0.5) : null,
    };
  });
}
