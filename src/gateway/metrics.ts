import type { LogEntry } from '../store/log-store.ts';

/** Seconds: request durations and times to first token fall into these buckets. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  add(labels: Labels, amount = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + amount);
  }
  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [labels, value] of this.values) text += `${this.name}${labels} ${value}\n`;
    return text;
  }
}

class Histogram {
  readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, seconds: number): void {
    const key = labelText(labels);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { labels, counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) series.counts[i]! += 1;
    });
    series.sum += seconds;
    series.count += 1;
  }
  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const { labels, counts, sum, count } of this.series.values()) {
      BUCKETS.forEach((bound, i) => {
        text += `${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}\n`;
      });
      text += `${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}\n`;
      text += `${this.name}_sum${labelText(labels)} ${sum}\n${this.name}_count${labelText(labels)} ${count}\n`;
    }
    return text;
  }
}

/** What `/metrics` reports, in Prometheus text format: counted here for every request, logged or not. */
export class Metrics {
  readonly #started = Date.now();
  readonly #requests = new Counter('portico_requests_total', 'Requests through a gateway, by outcome.');
  readonly #tokens = new Counter('portico_tokens_total', 'Tokens of answered requests, by kind.');
  readonly #cost = new Counter('portico_cost_usd_total', 'Cost of answered requests in US dollars.');
  readonly #duration = new Histogram('portico_request_duration_seconds', 'Time from request to last event.');
  readonly #ttft = new Histogram(
    'portico_time_to_first_token_seconds',
    'Time from request to first output delta.',
  );

  record(entry: LogEntry): void {
    const base = {
      gateway: entry.gateway,
      model: entry.model ?? 'unknown',
      provider: entry.provider ?? 'unknown',
    };
    this.#requests.add({
      ...base,
      status: String(entry.statusCode),
      outcome: entry.success ? 'success' : 'error',
      cache: entry.cacheStatus ?? 'none',
    });
    for (const [kind, amount] of [
      ['input', entry.tokensIn],
      ['cached', entry.tokensCached],
      ['output', entry.tokensOut],
      ['reasoning', entry.tokensReasoning],
    ] as const)
      if (amount > 0) this.#tokens.add({ ...base, kind }, amount);
    if (entry.cost > 0) this.#cost.add(base, entry.cost);
    this.#duration.observe({ gateway: entry.gateway }, entry.durationMs / 1000);
    if (entry.ttftMs !== null) this.#ttft.observe({ gateway: entry.gateway }, entry.ttftMs / 1000);
  }

  render(): string {
    const memory = process.memoryUsage();
    return (
      [this.#requests, this.#tokens, this.#cost, this.#duration, this.#ttft].map((m) => m.render()).join('') +
      `# HELP portico_resident_memory_bytes Resident set size.\n# TYPE portico_resident_memory_bytes gauge\n` +
      `portico_resident_memory_bytes ${memory.rss}\n` +
      `# HELP portico_uptime_seconds Seconds since the process started.\n# TYPE portico_uptime_seconds gauge\n` +
      `portico_uptime_seconds ${(Date.now() - this.#started) / 1000}\n`
    );
  }
}
