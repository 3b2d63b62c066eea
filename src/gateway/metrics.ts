import type { LogEntry } from '../store/log-store.ts';

/** Seconds: request durations and times to first token fall into these buckets. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Prometheus label text, `{a="x",b="y"}`; written only when /metrics is read. */
function labelText(names: readonly string[], values: readonly string[]): string {
  const parts = names.map(
    (name, i) => `${name}="${values[i]!.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

/**
 * Series are found by their label values joined with a character no value holds in practice
 * (a NUL: gateway ids and catalog names cannot hold one); label names are fixed per metric, so recording a request builds no label text.
 */
const seriesKey = (values: readonly string[]): string => values.join('\0');

interface CounterSeries {
  values: readonly string[];
  total: number;
}

interface HistogramSeries {
  values: readonly string[];
  counts: number[];
  sum: number;
  count: number;
}

class Counter {
  readonly #series = new Map<string, CounterSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly string[],
  ) {}
  add(values: readonly string[], amount = 1): void {
    const key = seriesKey(values);
    const series = this.#series.get(key);
    if (series) series.total += amount;
    else this.#series.set(key, { values, total: amount });
  }
  snapshot(): CounterSeries[] {
    return [...this.#series.values()].map(({ values, total }) => ({ values, total }));
  }
  absorb(snapshot: readonly CounterSeries[]): void {
    for (const { values, total } of snapshot) this.add(values, total);
  }
  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const { values, total } of this.#series.values())
      text += `${this.name}${labelText(this.labels, values)} ${total}\n`;
    return text;
  }
}

class Histogram {
  readonly #series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly string[],
  ) {}
  observe(values: readonly string[], seconds: number): void {
    const series = this.#at(values);
    // Buckets are cumulative: every bound at or above the value counts it.
    for (let i = BUCKETS.length - 1; i >= 0 && seconds <= BUCKETS[i]!; i--) series.counts[i]! += 1;
    series.sum += seconds;
    series.count += 1;
  }
  snapshot(): HistogramSeries[] {
    return [...this.#series.values()].map(({ values, counts, sum, count }) => ({
      values,
      counts: [...counts],
      sum,
      count,
    }));
  }
  absorb(snapshot: readonly HistogramSeries[]): void {
    for (const { values, counts, sum, count } of snapshot) {
      const series = this.#at(values);
      counts.forEach((n, i) => (series.counts[i]! += n));
      series.sum += sum;
      series.count += count;
    }
  }
  #at(values: readonly string[]): HistogramSeries {
    const key = seriesKey(values);
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, (series = { values, counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    return series;
  }
  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    const bucketLabels = [...this.labels, 'le'];
    for (const { values, counts, sum, count } of this.#series.values()) {
      BUCKETS.forEach((bound, i) => {
        text += `${this.name}_bucket${labelText(bucketLabels, [...values, String(bound)])} ${counts[i]}\n`;
      });
      text += `${this.name}_bucket${labelText(bucketLabels, [...values, '+Inf'])} ${count}\n`;
      const labels = labelText(this.labels, values);
      text += `${this.name}_sum${labels} ${sum}\n${this.name}_count${labels} ${count}\n`;
    }
    return text;
  }
}

const BASE = ['gateway', 'model', 'provider'];

/**
 * One process's counts and memory, as they cross to the process that answers `/metrics`
 * (`--workers N`: the primary gathers every worker's; structured clone).
 */
export interface MetricsSnapshot {
  requests: CounterSeries[];
  tokens: CounterSeries[];
  cost: CounterSeries[];
  duration: HistogramSeries[];
  ttft: HistogramSeries[];
  process: { rss: number; heapUsed: number; startedAt: number };
}

/**
 * What `/metrics` reports: counted in each process for every request, logged or not, and
 * rendered from every process's snapshot, so one scrape of any worker reads the whole server.
 */
export class Metrics {
  readonly #started = Date.now();
  readonly #requests = new Counter('portico_requests_total', 'Requests through a gateway, by outcome.', [
    ...BASE,
    'status',
    'outcome',
    'cache',
  ]);
  readonly #tokens = new Counter('portico_tokens_total', 'Tokens of answered requests, by kind.', [
    ...BASE,
    'kind',
  ]);
  readonly #cost = new Counter('portico_cost_usd_total', 'Cost of answered requests in US dollars.', BASE);
  readonly #duration = new Histogram('portico_request_duration_seconds', 'Time from request to last event.', [
    'gateway',
  ]);
  readonly #ttft = new Histogram(
    'portico_time_to_first_token_seconds',
    'Time from request to first output delta.',
    ['gateway'],
  );

  record(entry: LogEntry): void {
    const { gateway } = entry;
    const model = entry.model ?? 'unknown';
    const provider = entry.provider ?? 'unknown';
    const outcome = entry.success ? 'success' : 'error';
    this.#requests.add([
      gateway,
      model,
      provider,
      String(entry.statusCode),
      outcome,
      entry.cacheStatus ?? 'none',
    ]);
    if (entry.tokensIn > 0) this.#tokens.add([gateway, model, provider, 'input'], entry.tokensIn);
    if (entry.tokensCached > 0) this.#tokens.add([gateway, model, provider, 'cached'], entry.tokensCached);
    if (entry.tokensOut > 0) this.#tokens.add([gateway, model, provider, 'output'], entry.tokensOut);
    if (entry.tokensReasoning > 0)
      this.#tokens.add([gateway, model, provider, 'reasoning'], entry.tokensReasoning);
    if (entry.cost > 0) this.#cost.add([gateway, model, provider], entry.cost);
    this.#duration.observe([gateway], entry.durationMs / 1000);
    if (entry.ttftMs !== null) this.#ttft.observe([gateway], entry.ttftMs / 1000);
  }

  snapshot(): MetricsSnapshot {
    const { rss, heapUsed } = process.memoryUsage();
    return {
      requests: this.#requests.snapshot(),
      tokens: this.#tokens.snapshot(),
      cost: this.#cost.snapshot(),
      duration: this.#duration.snapshot(),
      ttft: this.#ttft.snapshot(),
      process: { rss, heapUsed, startedAt: this.#started },
    };
  }

  /**
   * The Prometheus text of the processes' snapshots together: counts and memory added up,
   * the uptime of the one that started first (the server's).
   */
  static render(snapshots: readonly MetricsSnapshot[]): string {
    const all = new Metrics();
    let rss = 0;
    let heapUsed = 0;
    let startedAt = Infinity;
    for (const snapshot of snapshots) {
      all.#requests.absorb(snapshot.requests);
      all.#tokens.absorb(snapshot.tokens);
      all.#cost.absorb(snapshot.cost);
      all.#duration.absorb(snapshot.duration);
      all.#ttft.absorb(snapshot.ttft);
      rss += snapshot.process.rss;
      heapUsed += snapshot.process.heapUsed;
      startedAt = Math.min(startedAt, snapshot.process.startedAt);
    }
    const gauge = (name: string, help: string, value: number) =>
      `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
    return (
      [all.#requests, all.#tokens, all.#cost, all.#duration, all.#ttft].map((m) => m.render()).join('') +
      gauge('portico_resident_memory_bytes', 'Resident set size of every process of the server.', rss) +
      gauge(
        'portico_heap_used_bytes',
        'JavaScript heap in use in every process (objects live or not yet collected).',
        heapUsed,
      ) +
      gauge(
        'portico_processes',
        'Processes of the server: one, or the primary and its workers.',
        snapshots.length,
      ) +
      gauge('portico_uptime_seconds', 'Seconds since the server started.', (Date.now() - startedAt) / 1000)
    );
  }
}
