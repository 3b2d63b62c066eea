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

const SUMMED = [
  'requests',
  'errors',
  'cache_hits',
  'tokens_in',
  'tokens_cached',
  'tokens_out',
  'tokens_reasoning',
  'cost',
] as const;

const key = (bucket: number, group: string | null) => `${bucket}\u0000${group ?? ''}`;

/**
 * Sums and latencies gathered a part of the range at a time (the sums of a bucket and group
 * met in two parts add up), then the rows of the answer: each bucket's sums with its latency
 * percentiles, in the order the sums first came.
 */
export class AnalyticsTally {
  readonly #sums = new Map<string, AnalyticsSums>();
  readonly #latencies = new Map<string, { duration: number[]; ttft: number[] }>();

  addSums(rows: Iterable<AnalyticsSums>): void {
    for (const row of rows) {
      const id = key(Number(row.bucket), row.grp);
      const kept = this.#sums.get(id);
      if (!kept) this.#sums.set(id, { ...row });
      else for (const field of SUMMED) kept[field] = Number(kept[field]) + Number(row[field]);
    }
  }

  addSamples(samples: Iterable<LatencySample>): void {
    for (const sample of samples) {
      const id = key(Number(sample.bucket), sample.grp);
      let lists = this.#latencies.get(id);
      if (!lists) this.#latencies.set(id, (lists = { duration: [], ttft: [] }));
      lists.duration.push(Number(sample.duration_ms));
      if (sample.ttft_ms !== null) lists.ttft.push(Number(sample.ttft_ms));
    }
  }

  rows(): AnalyticsRow[] {
    return [...this.#sums.values()].map((row) => {
      const lists = this.#latencies.get(key(Number(row.bucket), row.grp)) ?? { duration: [], ttft: [] };
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
        // Twelve significant digits: dollars summed in parts differ from one pass in the last bit.
        cost: Number(Number(row.cost).toPrecision(12)),
        latencyP50: percentile(duration, 0.5),
        latencyP95: percentile(duration, 0.95),
        ttftP50: ttft.length ? percentile(ttft, 0.5) : null,
      };
    });
  }
}

/** The rows of an analytics answer from one GROUP BY's sums and the range's latencies, in the sums' order. */
export function analyticsRows(
  sums: readonly AnalyticsSums[],
  samples: Iterable<LatencySample>,
): AnalyticsRow[] {
  const tally = new AnalyticsTally();
  tally.addSums(sums);
  tally.addSamples(samples);
  return tally.rows();
}
