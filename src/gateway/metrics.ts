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

class Counter {
  readonly #series = new Map<string, { values: readonly string[]; total: number }>();
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
  render(): string {
    let text = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const { values, total } of this.#series.values())
      text += `${this.name}${labelText(this.labels, values)} ${total}\n`;
    return text;
  }
}

class Histogram {
  readonly #series = new Map<
    string,
    { values: readonly string[]; counts: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly string[],
  ) {}
  observe(values: readonly string[], seconds: number): void {
    const key = seriesKey(values);
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, (series = { values, counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    // Buckets are cumulative: every bound at or above the value counts it.
    for (let i = BUCKETS.length - 1; i >= 0 && seconds <= BUCKETS[i]!; i--) series.counts[i]! += 1;
    series.sum += seconds;
    series.count += 1;
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

/** What `/metrics` reports, in Prometheus text format: counted here for every request, logged or not. */
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

  render(): string {
    const memory = process.memoryUsage();
    return (
      [this.#requests, this.#tokens, this.#cost, this.#duration, this.#ttft].map((m) => m.render()).join('') +
      `# HELP portico_resident_memory_bytes Resident set size.\n# TYPE portico_resident_memory_bytes gauge\n` +
      `portico_resident_memory_bytes ${memory.rss}\n` +
      `# HELP portico_heap_used_bytes JavaScript heap in use (objects live or not yet collected).\n# TYPE portico_heap_used_bytes gauge\n` +
      `portico_heap_used_bytes ${memory.heapUsed}\n` +
      `# HELP portico_uptime_seconds Seconds since the process started.\n# TYPE portico_uptime_seconds gauge\n` +
      `portico_uptime_seconds ${(Date.now() - this.#started) / 1000}\n`
    );
  }
}
