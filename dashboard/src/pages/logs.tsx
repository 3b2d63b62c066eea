import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { ErrorNote, Loading } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { TableHead } from '../components/table-head.tsx';
import { formatCost, formatCount, formatMs, formatTime } from '../format.ts';
import { href } from '../router.ts';
import type { List, Log } from '../types.ts';
import { useLoad } from '../use-load.ts';
import { useTick } from '../use-tick.ts';
import { promptFilters } from './prompt-filter.ts';

const PAGE_SIZE = 50;
const LIVE_EVERY_MS = 2000;

interface Filters {
  /** Words each log holds, anywhere: its model, metadata, request or answer. */
  search: string;
  gateway: string;
  model: string;
  provider: string;
  /** A stored prompt's id, or `id@version` (prompt-filter.ts). */
  prompt: string;
  success: '' | 'true' | 'false';
  cached: '' | 'true' | 'false';
}
const NO_FILTERS: Filters = {
  search: '',
  gateway: '',
  model: '',
  provider: '',
  prompt: '',
  success: '',
  cached: '',
};

/**
 * The request logs, newest first, filtered and paged by cursor (`after`). While on the first
 * page with "Live" on, the page is read again every two seconds, so new requests appear.
 */
export function LogsPage() {
  const [filters, setFilters] = useState(NO_FILTERS);
  // The cursors of the pages before this one: empty on the first page.
  const [cursors, setCursors] = useState<string[]>([]);
  const [live, setLive] = useState(true);
  const first = cursors.length === 0;
  const tick = useTick(LIVE_EVERY_MS, live && first);
  const after = cursors.at(-1);
  const page = useLoad(
    (signal) => {
      const { prompt, ...fields } = filters;
      return api<List<Log>>(
        `/v1/logs${query({ ...fields, filters: promptFilters(prompt), limit: PAGE_SIZE, order: 'desc', after })}`,
        { signal },
      );
    },
    [filters, after, tick],
  );
  const set = (name: keyof Filters) => (event: Event) => {
    setFilters({ ...filters, [name]: (event.currentTarget as HTMLInputElement).value });
    setCursors([]);
  };
  return (
    <section aria-labelledby="logs-title">
      <header class="page-head">
        <h1 id="logs-title">Logs</h1>
        <label class="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live
        </label>
      </header>
      {/* The text boxes are uncontrolled: a render (Live's, every two seconds) would put back a
          controlled box's value while its text is still being typed, before its change. */}
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter logs">
        <label>
          Search{' '}
          <input
            type="search"
            name="search"
            defaultValue={filters.search}
            onChange={set('search')}
            placeholder="words in a request or answer"
            maxLength={256}
          />
        </label>
        <label>
          Gateway <input defaultValue={filters.gateway} onChange={set('gateway')} placeholder="any" />
        </label>
        <label>
          Model <input defaultValue={filters.model} onChange={set('model')} placeholder="any" />
        </label>
        <label>
          Provider <input defaultValue={filters.provider} onChange={set('provider')} placeholder="any" />
        </label>
        <label>
          Prompt{' '}
          <input
            name="prompt"
            defaultValue={filters.prompt}
            onChange={set('prompt')}
            placeholder="pmpt_…[@version]"
            maxLength={200}
          />
        </label>
        <label>
          Status{' '}
          <select value={filters.success} onChange={set('success')}>
            <option value="">any</option>
            <option value="true">succeeded</option>
            <option value="false">failed</option>
          </select>
        </label>
        <label>
          Cache{' '}
          <select value={filters.cached} onChange={set('cached')}>
            <option value="">any</option>
            <option value="true">hit</option>
            <option value="false">miss</option>
          </select>
        </label>
      </form>
      <ErrorNote error={page.error} />
      {page.data ? (
        <LogTable logs={page.data.data} filtered={filters !== NO_FILTERS} />
      ) : page.error ? null : (
        <Loading />
      )}
      <Pager cursors={cursors} onChange={setCursors} page={page.data} label="Pages" />
    </section>
  );
}

function LogTable({ logs, filtered }: { logs: Log[]; filtered: boolean }) {
  if (logs.length === 0)
    return <p class="muted">{filtered ? 'No logs match these filters.' : 'No requests logged yet.'}</p>;
  return (
    <div class="table-wrap">
      <table class="logs" data-testid="logs-table">
        <TableHead columns={['Time', 'Gateway', 'Model', 'Status', 'Tokens', 'Cost', 'Latency', 'Cache']} />
        <tbody>
          {logs.map((log) => (
            <tr key={log.id} class={log.success ? '' : 'failed'} data-log-id={log.id}>
              <td>
                <a href={href('logs', log.id)}>{formatTime(log.created_at)}</a>
              </td>
              <td>{log.gateway}</td>
              <td>{log.model ?? '–'}</td>
              <td>
                {log.status_code}
                {log.status ? ` ${log.status}` : ''}
              </td>
              <td>
                {formatCount(log.tokens_in)} / {formatCount(log.tokens_out)}
              </td>
              <td>{formatCost(log.cost)}</td>
              <td>{formatMs(log.duration)}</td>
              <td>{log.cache_status ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
