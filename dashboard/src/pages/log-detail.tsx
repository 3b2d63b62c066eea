import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Facts } from '../components/facts.tsx';
import { ErrorNote, JsonBlock, Loading } from '../components/notice.tsx';
import { formatCost, formatCount, formatMs, formatTime } from '../format.ts';
import { href } from '../router.ts';
import type { Log, TimelineEntry } from '../types.ts';
import { useLoad } from '../use-load.ts';

/** One request: its facts, usage and cost, the request and response bodies, the stream's timeline; feedback and score editable. */
export function LogDetailPage({ id }: { id: string }) {
  const loaded = useLoad((signal) => api<Log>(`/v1/logs/${encodeURIComponent(id)}`, { signal }), [id]);
  const [saved, setSaved] = useState<Log>();
  const [error, setError] = useState<Error>();
  const log = saved ?? loaded.data;
  const patch = async (body: Partial<Pick<Log, 'feedback' | 'score'>>) => {
    try {
      setSaved(await api<Log>(`/v1/logs/${encodeURIComponent(id)}`, { method: 'PATCH', body }));
      setError(undefined);
    } catch (thrown) {
      setError(thrown as Error);
    }
  };
  return (
    <section aria-labelledby="log-title">
      <header class="page-head">
        <h1 id="log-title">Log {id}</h1>
        <a href={href('logs')}>← All logs</a>
      </header>
      <ErrorNote error={loaded.error ?? error} />
      {!log ? loaded.error ? null : <Loading /> : <LogFacts log={log} onPatch={patch} />}
    </section>
  );
}

function LogFacts({ log, onPatch }: { log: Log; onPatch: (body: Partial<Log>) => void }) {
  const [score, setScore] = useState(log.score === null ? '' : String(log.score));
  const facts: [string, string][] = [
    ['Time', formatTime(log.created_at)],
    ['Gateway', log.gateway],
    ['Project', log.project],
    ['Key', log.key_id ?? '–'],
    ['Entry', log.path],
    ['Provider', log.provider ?? '–'],
    ['Model', log.model ?? '–'],
    ['Status', `${log.status_code}${log.status ? ` ${log.status}` : ''}`],
    ['Response', log.response_id ?? '–'],
    ['Prompt', log.prompt ? `${log.prompt.id} (version ${log.prompt.version})` : '–'],
    [
      'Tokens',
      `${formatCount(log.tokens_in)} in (${formatCount(log.tokens_cached)} cached) · ${formatCount(log.tokens_out)} out (${formatCount(log.tokens_reasoning)} reasoning)` +
        (log.tokens_counted ? ' · counted by Portico: the provider reported none' : ''),
    ],
    ['Cost', `${formatCost(log.cost)}${log.custom_cost ? ' (custom)' : ''}`],
    ['Latency', formatMs(log.duration)],
    ['First token', formatMs(log.time_to_first_token)],
    ['Cache', log.cache_status ?? '–'],
    ['Step / attempts', `${log.step} / ${log.attempts}`],
    ['Event id', log.event_id ?? '–'],
  ];
  if (log.error) facts.push(['Error', `${log.error.code ?? ''} ${log.error.message ?? ''}`.trim()]);
  if (Object.keys(log.metadata).length > 0) facts.push(['Metadata', JSON.stringify(log.metadata)]);
  return (
    <>
      <Facts facts={facts} />
      <form class="feedback" aria-label="Feedback" onSubmit={(e) => e.preventDefault()}>
        <span>Feedback:</span>
        <button type="button" aria-pressed={log.feedback === 1} onClick={() => onPatch({ feedback: 1 })}>
          Good
        </button>
        <button type="button" aria-pressed={log.feedback === -1} onClick={() => onPatch({ feedback: -1 })}>
          Bad
        </button>
        <button type="button" disabled={log.feedback === null} onClick={() => onPatch({ feedback: null })}>
          Clear
        </button>
        <label>
          Score (0-100){' '}
          <input
            type="number"
            min={0}
            max={100}
            value={score}
            onInput={(e) => setScore(e.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={() => onPatch({ score: score === '' ? null : Number(score) })}>
          Save score
        </button>
      </form>
      <h2>Stream timeline</h2>
      {log.stream ? (
        <Timeline events={log.events ?? null} total={log.duration} />
      ) : (
        <p class="muted">The answer was not streamed: it left in one piece.</p>
      )}
      <h2>Request</h2>
      <JsonBlock value={log.request} label="Request body" />
      <h2>Response</h2>
      <JsonBlock value={log.response} label="Response body" />
    </>
  );
}

function Timeline({ events, total }: { events: TimelineEntry[] | null; total: number }) {
  if (!events || events.length === 0) return <p class="muted">No stream events recorded.</p>;
  const span = Math.max(total, ...events.map((e) => e.at), 1);
  return (
    <ol class="timeline">
      {events.map((event, n) => (
        <li key={n}>
          <span class="bar" style={{ marginLeft: `${(event.at / span) * 60}%` }} aria-hidden="true" />
          <code>{event.type}</code>
          {event.count > 1 ? ` ×${event.count}` : ''} <span class="muted">at {formatMs(event.at)}</span>
        </li>
      ))}
    </ol>
  );
}
