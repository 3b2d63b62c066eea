import { useMemo, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { ErrorNote, Loading } from '../components/notice.tsx';
import { TableHead } from '../components/table-head.tsx';
import { TimeChart } from '../components/time-chart.tsx';
import { formatCost, formatCount, formatMs, formatPercent } from '../format.ts';
import type { Analytics, AnalyticsRow } from '../types.ts';
import { useLoad } from '../use-load.ts';
import { useTick } from '../use-tick.ts';
import { chartData, type ChartData } from './overview-series.ts';

const RANGES = [
  { id: '1h', label: 'Last hour', seconds: 3600, bucket: 'minute', step: 60 },
  { id: '24h', label: 'Last 24 hours', seconds: 86_400, bucket: 'hour', step: 3600 },
  { id: '7d', label: 'Last 7 days', seconds: 7 * 86_400, bucket: 'hour', step: 3600 },
  { id: '30d', label: 'Last 30 days', seconds: 30 * 86_400, bucket: 'day', step: 86_400 },
] as const;
const GROUPS = ['model', 'provider', 'gateway', 'key', 'prompt', 'prompt_version', 'metadata'] as const;
/** A metadata key analytics can group by (the server's rule). */
const METADATA_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const REFRESH_MS = 10_000;

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

/**
 * Requests, tokens, cost, errors, cache hit rate and latency over a time range, overall and by
 * model, provider, gateway, key, stored prompt (or its versions) or a metadata key's values:
 * three analytics queries (totals, the series, the breakdown).
 */
export function OverviewPage() {
  const [rangeId, setRangeId] = useState<(typeof RANGES)[number]['id']>('24h');
  const [grouping, setGrouping] = useState<'' | (typeof GROUPS)[number]>('');
  const [metadataKey, setMetadataKey] = useState('user');
  // `metadata` groups by the values of the key typed beside it (what each user spent, say).
  const groupBy =
    grouping === 'metadata' ? (METADATA_KEY.test(metadataKey) ? `metadata.${metadataKey}` : '') : grouping;
  const tick = useTick(REFRESH_MS);
  const range = RANGES.find((r) => r.id === rangeId)!;
  const loaded = useLoad(
    async (signal) => {
      // Whole buckets: from the one the range starts in to the end of the current one.
      const now = Date.now() / 1000;
      const from = Math.floor((now - range.seconds) / range.step) * range.step;
      const to = (Math.floor(now / range.step) + 1) * range.step;
      const ask = (bucket: string, group?: string) =>
        api<Analytics>(`/v1/analytics${query({ from, to, bucket, group_by: group })}`, { signal });
      const [totals, series, breakdown] = await Promise.all([
        ask('range'),
        ask(range.bucket, groupBy || undefined),
        groupBy ? ask('range', groupBy) : Promise.resolve(undefined),
      ]);
      return { from, to, totals: totals.data[0], series: series.data, breakdown: breakdown?.data };
    },
    [rangeId, groupBy, tick],
  );
  const data = loaded.data;
  const charts = useMemo(() => {
    if (!data) return [];
    const span = { from: data.from, to: data.to, bucket: range.step };
    const line = (label: string, value: (row: AnalyticsRow) => number | null, empty: 0 | null) =>
      chartData(data.series, span, label, value, empty);
    const charts: {
      title: string;
      times: number[];
      series: ChartData['series'];
      format?: (v: number) => string;
    }[] = [
      { title: 'Requests', ...line('requests', (r) => r.requests, 0) },
      { title: 'Tokens', ...line('tokens', (r) => r.tokens_in + r.tokens_out, 0) },
      { title: 'Cost', ...line('cost', (r) => r.cost, 0), format: formatCost },
      { title: 'Errors', ...line('errors', (r) => r.errors, 0) },
      {
        title: 'Cache hit rate',
        ...line('hit rate', (r) => ratio(r.cache_hits, r.requests), null),
        format: formatPercent,
      },
      {
        title: groupBy ? 'Latency p95' : 'Latency p50 and p95',
        times: line('', () => 0, 0).times,
        series: groupBy
          ? line('p95', (r) => r.latency_p95, null).series
          : [
              ...line('p50', (r) => r.latency_p50, null).series,
              ...line('p95', (r) => r.latency_p95, null).series,
            ],
        format: formatMs,
      },
    ];
    return charts;
  }, [data]);
  const totals = data?.totals;
  return (
    <section aria-labelledby="overview-title">
      <header class="page-head">
        <h1 id="overview-title">Overview</h1>
        <div class="controls">
          <label>
            Range{' '}
            <select value={rangeId} onChange={(e) => setRangeId(e.currentTarget.value as typeof rangeId)}>
              {RANGES.map((r) => (
                <option value={r.id}>{r.label}</option>
              ))}
            </select>
          </label>
          <label>
            By{' '}
            <select
              name="group_by"
              value={grouping}
              onChange={(e) => setGrouping(e.currentTarget.value as typeof grouping)}
            >
              <option value="">everything</option>
              {GROUPS.map((g) => (
                <option value={g}>{g === 'metadata' ? 'metadata key' : g.replace('_', ' ')}</option>
              ))}
            </select>
          </label>
          {grouping === 'metadata' ? (
            <label>
              Key{' '}
              <input
                name="metadata_key"
                value={metadataKey}
                size={12}
                aria-invalid={!METADATA_KEY.test(metadataKey)}
                onChange={(e) => setMetadataKey(e.currentTarget.value.trim())}
              />
            </label>
          ) : null}
          <button type="button" onClick={loaded.reload}>
            Refresh
          </button>
        </div>
      </header>
      <ErrorNote error={loaded.error} />
      {!data && !loaded.error ? <Loading /> : null}
      {data ? (
        <>
          <dl class="stats" data-testid="overview-stats">
            <Stat name="Requests" value={formatCount(totals?.requests ?? 0)} id="stat-requests" />
            <Stat
              name="Tokens"
              value={formatCount((totals?.tokens_in ?? 0) + (totals?.tokens_out ?? 0))}
              detail={`${formatCount(totals?.tokens_in ?? 0)} in · ${formatCount(totals?.tokens_out ?? 0)} out`}
            />
            <Stat name="Cost" value={formatCost(totals?.cost ?? 0)} />
            <Stat
              name="Errors"
              value={formatCount(totals?.errors ?? 0)}
              detail={formatPercent(ratio(totals?.errors ?? 0, totals?.requests ?? 0))}
            />
            <Stat
              name="Cache hit rate"
              value={formatPercent(ratio(totals?.cache_hits ?? 0, totals?.requests ?? 0))}
            />
            <Stat
              name="Latency p50 / p95"
              value={`${formatMs(totals?.latency_p50 ?? 0)} / ${formatMs(totals?.latency_p95 ?? 0)}`}
            />
          </dl>
          <div class="charts">
            {charts.map((chart) => (
              <TimeChart
                key={chart.title}
                title={chart.title}
                times={chart.times}
                series={chart.series}
                {...(chart.format ? { format: chart.format } : {})}
              />
            ))}
          </div>
          {data.breakdown ? <Breakdown rows={data.breakdown} dimension={groupBy} /> : null}
        </>
      ) : null}
    </section>
  );
}

function Stat(props: { name: string; value: string; detail?: string; id?: string }) {
  return (
    <div class="stat">
      <dt>{props.name}</dt>
      <dd id={props.id}>{props.value}</dd>
      {props.detail ? <dd class="muted">{props.detail}</dd> : null}
    </div>
  );
}

function Breakdown({ rows, dimension }: { rows: AnalyticsRow[]; dimension: string }) {
  const sorted = [...rows].sort((a, b) => b.requests - a.requests);
  return (
    <div class="table-wrap">
      <table>
        <caption>By {dimension}</caption>
        <TableHead
          columns={[dimension, 'Requests', 'Tokens', 'Cost', 'Errors', 'Cache hits', 'p50', 'p95']}
        />
        <tbody>
          {sorted.map((row) => (
            <tr key={row.group ?? ''}>
              <th scope="row">{row.group ?? '(none)'}</th>
              <td>{formatCount(row.requests)}</td>
              <td>{formatCount(row.tokens_in + row.tokens_out)}</td>
              <td>{formatCost(row.cost)}</td>
              <td>{formatCount(row.errors)}</td>
              <td>{formatPercent(ratio(row.cache_hits, row.requests))}</td>
              <td>{formatMs(row.latency_p50)}</td>
              <td>{formatMs(row.latency_p95)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
