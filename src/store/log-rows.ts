import type { LogEntry } from './log-store.ts';
import { jsonText } from '../api/response-json.ts';

/** Entry fields kept beside the bodies: what lists and filters read. */
export type LogSummary = Omit<LogEntry, 'requestBody' | 'responseBody' | 'timeline'>;
export type LogBodies = Pick<LogEntry, 'requestBody' | 'responseBody' | 'timeline'>;

/** A log row as both backends store it: the summary as JSON, the bodies (when kept) apart. */
export interface LogRow {
  entry_json: string;
  bodies_json?: string | null;
}

export function toLogEntry(row: LogRow): LogEntry {
  const bodies: LogBodies = row.bodies_json
    ? (JSON.parse(row.bodies_json) as LogBodies)
    : { requestBody: null, responseBody: null, timeline: null };
  // Entries written before model types were recorded were all generations.
  const summary = JSON.parse(row.entry_json) as Omit<LogSummary, 'modelType'> & Partial<LogSummary>;
  return { modelType: 'Text Generation', ...summary, ...bodies };
}

/** The logs table's columns, in order, shared by both backends' INSERT. */
export const LOG_COLUMNS =
  'id, created_at, gateway, project, key_id, provider, model, success, cache_status, event_id, cost, ' +
  'duration_ms, ttft_ms, tokens_in, tokens_cached, tokens_out, tokens_reasoning, entry_json';

/** An entry's values for LOG_COLUMNS; `success` is as the backend stores a truth value. */
export function logColumnValues<T>(entry: LogEntry, success: (value: boolean) => T): unknown[] {
  return [
    entry.id,
    entry.createdAt,
    entry.gateway,
    entry.project,
    entry.keyId,
    entry.provider,
    entry.model,
    success(entry.success),
    entry.cacheStatus,
    entry.eventId,
    entry.cost,
    entry.durationMs,
    entry.ttftMs,
    entry.tokensIn,
    entry.tokensCached,
    entry.tokensOut,
    entry.tokensReasoning,
    JSON.stringify(logSummary(entry)),
  ];
}

export function logSummary(entry: LogEntry): LogSummary {
  const {
    requestBody: _request,
    responseBody: _response,
    timeline: _timeline,
    spendScopes: _scopes,
    logLimit: _limit,
    ...rest
  } = entry;
  return rest;
}

/**
 * The bodies to keep apart as JSON (`LogBodies`), or undefined when the entry kept none. A
 * finished response is written with the text its record and its answer were (response-json.ts).
 */
export function logBodiesJson(entry: LogEntry): string | undefined {
  if (entry.requestBody == null && entry.responseBody == null && entry.timeline === null) return undefined;
  return `{"requestBody":${jsonText(entry.requestBody)},"responseBody":${jsonText(entry.responseBody)},"timeline":${jsonText(entry.timeline)}}`;
}

/** A patch applied to an entry. */
export function patchedLog(
  entry: LogEntry,
  patch: { feedback?: -1 | 1 | null; score?: number | null; metadata?: LogEntry['metadata'] | null },
): LogEntry {
  return {
    ...entry,
    ...(patch.feedback !== undefined ? { feedback: patch.feedback } : {}),
    ...(patch.score !== undefined ? { score: patch.score } : {}),
    ...(patch.metadata !== undefined ? { metadata: patch.metadata ?? {} } : {}),
  };
}
