import { GROUP_DIMENSIONS, METADATA_GROUP_KEY, METADATA_GROUP_PREFIX } from '../api/logs.ts';
import { startSpinner } from './spinner.ts';
import { CONNECTION_OPTIONS, openBackend, type AnalyticsRequest, type AnalyticsRow } from './backend.ts';
import { fail, RUNTIME_OPTIONS, text, UsageError, type Command } from './command.ts';
import { parseDuration } from './parse-limits.ts';
import { formatTable, minuteText } from './print-table.ts';
import { sparkline } from './sparkline.ts';

const USAGE = `portico stats [--range 24h] [--by ${GROUP_DIMENSIONS.join('|')}|metadata.KEY] [--json] [--url URL --key KEY]`;
type Dimension = NonNullable<AnalyticsRequest['groupBy']>;

/** A dimension to break the range down by: one of GROUP_DIMENSIONS, or a metadata key's values. */
function isDimension(by: string): by is Dimension {
  if (by.startsWith(METADATA_GROUP_PREFIX))
    return METADATA_GROUP_KEY.test(by.slice(METADATA_GROUP_PREFIX.length));
  return (GROUP_DIMENSIONS as readonly string[]).includes(by);
}

/** The longest `--range`: ten years of logs. */
const MAX_RANGE_DAYS = 3650;

/** The bucket a range is drawn in: minutes up to two hours, hours up to eight days, else days. */
function bucketOf(seconds: number): { bucket: AnalyticsRequest['bucket']; step: number } {
  if (seconds <= 7200) return { bucket: 'minute', step: 60 };
  if (seconds <= 8 * 86_400) return { bucket: 'hour', step: 3600 };
  return { bucket: 'day', step: 86_400 };
}

const money = (usd: number) => `$${usd < 0.01 && usd > 0 ? usd.toPrecision(2) : usd.toFixed(2)}`;
const count = (n: number) => n.toLocaleString('en-US');
const percent = (part: number, whole: number) => `${whole > 0 ? ((part / whole) * 100).toFixed(1) : '0.0'}%`;

/** `portico stats`: the dashboard's overview in the terminal, totals with a requests sparkline and a breakdown. */
export const statsCommand: Command = {
  summary:
    'Shows requests, tokens, cost, errors, cache hit rate and latency for a time range, overall and by a dimension.',
  usage: USAGE,
  maxArguments: 0,
  options: {
    ...RUNTIME_OPTIONS,
    ...CONNECTION_OPTIONS,
    range: { type: 'string' },
    by: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(_positionals, values) {
    const rangeText = text(values, 'range') ?? '24h';
    const seconds = parseDuration(rangeText);
    const by = text(values, 'by');
    if (seconds === undefined || seconds > MAX_RANGE_DAYS * 86_400)
      throw new UsageError(
        `--range takes a duration like 1h, 24h or 30d, up to ${MAX_RANGE_DAYS}d, not '${rangeText}'`,
      );
    if (by !== undefined && !isDimension(by))
      throw new UsageError(`--by takes one of ${GROUP_DIMENSIONS.join(', ')} or metadata.KEY, not '${by}'`);
    const { bucket, step } = bucketOf(seconds);
    const now = Date.now() / 1000;
    const from = Math.floor((now - seconds) / step) * step;
    const to = (Math.floor(now / step) + 1) * step;
    const spinner = values.json ? undefined : await startSpinner('Reading the logs');
    const backend = await openBackend(values);
    try {
      const groupBy = by as Dimension | undefined;
      const [totals, series, breakdown] = await Promise.all([
        backend.analytics({ from, to, bucket: 'range' }),
        backend.analytics({ from, to, bucket }),
        groupBy ? backend.analytics({ from, to, bucket: 'range', groupBy }) : Promise.resolve(undefined),
      ]);
      spinner?.stop();
      const total = totals[0];
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ from, to, bucket, totals: total ?? null, series, breakdown: breakdown ?? null }, null, 2)}\n`,
        );
        return 0;
      }
      process.stdout.write(report(total, series, { from, to, step }, rangeText));
      if (breakdown) process.stdout.write(`\nBy ${groupBy}\n${breakdownTable(breakdown)}`);
      return 0;
    } catch (error) {
      spinner?.stop();
      return fail(error);
    } finally {
      await backend.close();
    }
  },
};

function report(
  total: AnalyticsRow | undefined,
  series: AnalyticsRow[],
  range: { from: number; to: number; step: number },
  label: string,
): string {
  const perBucket = new Map(series.map((row) => [row.time, row.requests]));
  const points: number[] = [];
  for (let t = range.from; t < range.to; t += range.step) points.push(perBucket.get(t) ?? 0);
  const requests = total?.requests ?? 0;
  const lines: [string, string][] = [
    ['Requests', `${count(requests)}  ${sparkline(points)}`],
    [
      'Tokens',
      `${count((total?.tokens_in ?? 0) + (total?.tokens_out ?? 0))} (${count(total?.tokens_in ?? 0)} in, ${count(total?.tokens_out ?? 0)} out)`,
    ],
    ['Cost', money(total?.cost ?? 0)],
    ['Errors', `${count(total?.errors ?? 0)} (${percent(total?.errors ?? 0, requests)})`],
    ['Cache hits', percent(total?.cache_hits ?? 0, requests)],
    ['Latency', `p50 ${total?.latency_p50 ?? 0} ms, p95 ${total?.latency_p95 ?? 0} ms`],
  ];
  return `Last ${label} (${minuteText(range.from)} to ${minuteText(range.to)} UTC)\n${lines
    .map(([name, value]) => `${name.padEnd(11)}${value}`)
    .join('\n')}\n`;
}

function breakdownTable(rows: AnalyticsRow[]): string {
  return formatTable(
    ['GROUP', 'REQUESTS', 'TOKENS', 'COST', 'ERRORS', 'CACHE HITS', 'P50', 'P95'],
    [...rows]
      .sort((a, b) => b.requests - a.requests)
      .map((row) => [
        row.group ?? '(none)',
        count(row.requests),
        count(row.tokens_in + row.tokens_out),
        money(row.cost),
        count(row.errors),
        percent(row.cache_hits, row.requests),
        `${row.latency_p50} ms`,
        `${row.latency_p95} ms`,
      ]),
  );
}
