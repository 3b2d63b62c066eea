import type { LogLimit } from '../api/gateway-settings.ts';
import type { LogCondition } from '../api/log-conditions.ts';
import type { Owner } from './owner.ts';

export type { LogCondition, LogConditionField, LogConditionValue } from '../api/log-conditions.ts';

export type LogMetadata = Record<string, string | number | boolean | null>;

/** One stream event in a log's timeline: its type, when it left (ms after the request began), how many in a row. */
export interface TimelineEntry {
  type: string;
  at: number;
  count: number;
}

/** A DLP match as Cloudflare's `cf-aig-dlp` header writes it: where, never the matched text itself. */
export interface DlpFinding {
  /** `context`: where the match was (`input[2]`, `output[0]`, `instructions`). */
  profile: { context: string; entry_ids: string[]; profile_id: string };
  policy_ids: string[];
  check: 'REQUEST' | 'RESPONSE';
}

/** What DLP found on a request: BLOCK when a blocking policy matched. */
export interface DlpRecord {
  action: 'FLAG' | 'BLOCK';
  findings: DlpFinding[];
}

/** One Guardrails evaluation of a prompt or a response. */
export interface GuardrailEvaluation {
  check: 'prompt' | 'response';
  /** The classifier asked. */
  model: string;
  /** The categories it found (`S1`, `P1`), each with what it did. */
  categories: Array<{ category: string; action: 'FLAG' | 'IGNORE' | 'BLOCK' }>;
  action: 'PASS' | 'FLAG' | 'BLOCK';
  /** The classifier could not be reached or answered nothing readable. */
  unavailable?: boolean;
  durationMs: number;
}

/** Which stored provider key (BYOK) served a request: its config's id and alias, never the secret. */
export interface ProviderConfigUse {
  id: string;
  alias: string;
}

/** The stored prompt a request ran: its id and the version rendered (`"3"`, as versions are numbered). */
export interface PromptUse {
  id: string;
  version: string;
}

/** One request through a gateway, as logged. Tokens and cost are those of the answer that was served. */
export interface LogEntry {
  id: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  gateway: string;
  project: Owner;
  keyId: string | null;
  provider: string | null;
  model: string | null;
  /** What the model was asked for, as Cloudflare's logs name it. */
  modelType: 'Text Generation' | 'Text Embeddings';
  /** The entry point: `POST /v1/responses`, `binding`, `cli`, ... */
  path: string;
  stream: boolean;
  statusCode: number;
  success: boolean;
  /** The response's status (`completed`, `failed`, ...); null when no response was started. */
  status: string | null;
  responseId: string | null;
  tokensIn: number;
  tokensCached: number;
  tokensOut: number;
  tokensReasoning: number;
  /**
   * True when Portico counted the tokens of a model turn whose provider did not report them (it
   * was stopped, failed mid-stream, or its upstream never reports usage); absent otherwise.
   */
  tokensCounted?: boolean;
  /** US dollars. */
  cost: number;
  customCost: boolean;
  durationMs: number;
  /** Milliseconds to the first output delta. */
  ttftMs: number | null;
  cacheStatus: 'HIT' | 'MISS' | null;
  /** Which step of a fallback chain answered (0: the first). */
  step: number;
  attempts: number;
  metadata: LogMetadata;
  eventId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  requestSize: number;
  responseSize: number;
  /** Bodies, when the gateway collects payloads. */
  requestBody: unknown;
  responseBody: unknown;
  timeline: TimelineEntry[] | null;
  feedback: -1 | 1 | null;
  score: number | null;
  /** Spend counters besides its gateway's and key's (a route's, a spend rule's): its cost is added to each (not kept). */
  spendScopes?: readonly SpendScope[];
  /** Its gateway's cap on logs when it was written, which `LogStore.insert` enforces (not kept). */
  logLimit?: LogLimit;
  /** What DLP found; absent when nothing matched. */
  dlp?: DlpRecord;
  /** Every Guardrails evaluation; absent when none ran. */
  guardrails?: GuardrailEvaluation[];
  /** The stored provider key that served it; absent when the provider's configured key did. */
  providerConfig?: ProviderConfigUse;
  /** The stored prompt the answering step was rendered from; absent without one. */
  prompt?: PromptUse;
}

export interface LogFilter {
  /** Undefined: every project (admin keys only). */
  project?: Owner;
  gateway?: string;
  model?: string;
  provider?: string;
  keyId?: string;
  success?: boolean;
  cached?: boolean;
  eventId?: string;
  /** Milliseconds since the epoch, inclusive / exclusive. */
  from?: number;
  to?: number;
  /** Inclusive bounds on what a request measured (Cloudflare's `min_*` / `max_*` filters). */
  ranges?: Partial<Record<LogRangeField, { min?: number; max?: number }>>;
  /** Words each entry's text must hold, each as a word or the start of one (log-search-text.ts). */
  search?: string[];
  /** Cloudflare's structured filters, all of which an entry meets. */
  conditions?: LogCondition[];
}

/** The least and greatest of what the entries a filter finds measured (Cloudflare's `meta_info`). */
export type LogBounds = Record<LogRangeField, { min: number; max: number } | null>;

export type LogRangeField = 'cost' | 'duration' | 'tokens_in' | 'tokens_out' | 'total_tokens';

/** What a log list may be ordered by first (then by time and id). */
export type LogOrderField =
  | 'created_at'
  | 'provider'
  | 'model'
  | 'model_type'
  | 'success'
  | 'cached'
  | 'cost'
  | 'tokens_in'
  | 'tokens_out'
  | 'duration'
  | 'feedback';

/** Which entries a deletion removes first when it has a limit. */
export interface LogDeletion {
  /** At most this many; all that match without one. */
  limit?: number;
  order: 'asc' | 'desc';
  orderBy?: LogOrderField;
}

export interface LogPageQuery {
  limit: number;
  order: 'asc' | 'desc';
  /** The id of the last entry of the previous page; only in time order. */
  after?: string;
  /** Entries to skip first (Cloudflare's page numbers). */
  offset?: number;
  /** Default: time. */
  orderBy?: LogOrderField;
}

export interface LogPage {
  data: LogEntry[];
  hasMore: boolean;
}

export interface LogPatch {
  feedback?: -1 | 1 | null;
  score?: number | null;
  metadata?: LogMetadata | null;
}

/**
 * Analytics group by one of these, or by the value of a metadata key (`metadata.user`);
 * `prompt` by the stored prompt's id, `prompt_version` by `id@version`.
 */
export type AnalyticsDimension =
  'model' | 'provider' | 'gateway' | 'key' | 'project' | 'prompt' | 'prompt_version' | `metadata.${string}`;

export interface AnalyticsQuery extends LogFilter {
  /** Bucket width in milliseconds; 0: one bucket for the whole range, starting at `from` (0 without one). */
  bucketMs: number;
  groupBy?: AnalyticsDimension;
}

export interface AnalyticsRow {
  /** Start of the bucket, milliseconds since the epoch. */
  bucket: number;
  /** The value of the grouping dimension; null when not grouped (or unknown, e.g. a failed request's provider). */
  group: string | null;
  requests: number;
  errors: number;
  cacheHits: number;
  tokensIn: number;
  tokensCached: number;
  tokensOut: number;
  tokensReasoning: number;
  cost: number;
  latencyP50: number;
  latencyP95: number;
  ttftP50: number | null;
}

/**
 * What a spend limit counts against: a key's budget, a gateway's, or a dynamic route's cost
 * limit (`route`: the counter the rate_limit element names, route-candidates.ts).
 */
export type SpendScope = { keyId: string } | { gateway: string } | { route: string } | { rule: string };

/** The gateway's request logs, with the spend they add up to. */
export interface LogStore {
  /**
   * Writes a batch in one transaction and adds each entry's cost to its key's and gateway's
   * spend. `unlogged` entries (requests whose log was turned off) only add their cost: a
   * budget counts every request, logged or not. An entry's `logLimit` is enforced in the same
   * transaction against its gateway's count of logs (log-limit.ts): past a `stop_inserting`
   * cap the entry only adds its cost; under `delete_oldest` the gateway's oldest logs go.
   */
  insert(entries: readonly LogEntry[], unlogged?: readonly LogEntry[]): Promise<void>;
  get(id: string, project?: Owner): Promise<LogEntry | undefined>;
  /** Ordered by `page.orderBy` then time (then id); `after` is the id of the last entry of the previous page. */
  query(filter: LogFilter, page: LogPageQuery): Promise<LogPage>;
  /** How many entries match. */
  count(filter: LogFilter): Promise<number>;
  /** The ranges of what the matching entries measured. */
  bounds(filter: LogFilter): Promise<LogBounds>;
  /** Deletes the matching entries (their bodies with them, the spend they added kept); returns how many. */
  delete(filter: LogFilter, deletion: LogDeletion): Promise<number>;
  patch(id: string, project: Owner | undefined, patch: LogPatch): Promise<LogEntry | undefined>;
  analytics(query: AnalyticsQuery): Promise<AnalyticsRow[]>;
  /** US dollars spent in `scope` since `since` (counted in hourly buckets: at most an hour early). */
  spend(scope: SpendScope, since: number): Promise<number>;
  /**
   * Entries in the order they were written, after `cursor` (a position from an earlier call);
   * without one, none, just the position now. For following logs live: a long request that
   * started early is written late, and still shows up.
   */
  tail(
    filter: LogFilter,
    cursor: number | undefined,
    limit: number,
  ): Promise<{ data: LogEntry[]; cursor: number }>;
  /** Deletes entries older than `before`; returns how many. */
  prune(before: number): Promise<number>;
  /**
   * Deletes the gateway's oldest entries until it holds at most `maxLogs`, a bounded batch at a
   * time (for a cap lowered below what the gateway holds); returns how many.
   */
  trim(gateway: string, maxLogs: number): Promise<number>;
}
