/** The API's objects, as far as the dashboard reads them (see docs/gateway.md for every field). */
export interface List<T> {
  object: 'list';
  data: T[];
  has_more?: boolean;
  last_id?: string | null;
}

export interface AnalyticsRow {
  time: number;
  group: string | null;
  requests: number;
  errors: number;
  cache_hits: number;
  tokens_in: number;
  tokens_cached: number;
  tokens_out: number;
  tokens_reasoning: number;
  cost: number;
  latency_p50: number;
  latency_p95: number;
  time_to_first_token_p50: number | null;
}

export interface Analytics {
  from: number;
  to: number;
  data: AnalyticsRow[];
}

export interface TimelineEntry {
  type: string;
  at: number;
  count: number;
}

export interface Log {
  id: string;
  created_at: number;
  gateway: string;
  project: string;
  key_id: string | null;
  provider: string | null;
  model: string | null;
  path: string;
  stream: boolean;
  status_code: number;
  success: boolean;
  status: string | null;
  response_id: string | null;
  cache_status: 'HIT' | 'MISS' | null;
  tokens_in: number;
  tokens_cached: number;
  tokens_out: number;
  tokens_reasoning: number;
  /** Portico counted the tokens: the provider reported none (the answer was cut off). */
  tokens_counted: boolean;
  cost: number;
  custom_cost: boolean;
  duration: number;
  time_to_first_token: number | null;
  step: number;
  attempts: number;
  metadata: Record<string, string | number | boolean | null>;
  event_id: string | null;
  error: { code: string | null; message: string | null } | null;
  /** The stored prompt the request ran, at the version used. */
  prompt: { id: string; version: string } | null;
  feedback: -1 | 1 | null;
  score: number | null;
  request?: unknown;
  response?: unknown;
  events?: TimelineEntry[] | null;
}

export interface Model {
  id: string;
  owned_by: string;
  task: string;
  proxied: boolean;
  context_window: number;
  max_output_tokens: number | null;
  pricing: { input: number; cached_input: number | null; output: number } | null;
  capabilities: {
    tools: boolean;
    vision: boolean;
    structured_output: boolean;
    reasoning_efforts: string[];
  };
  alias_of?: string;
  description?: string;
}

export interface Limit {
  limit: number;
  period: number;
  technique: 'fixed' | 'sliding';
}

export interface Budget {
  limit_usd: number;
  period: number;
}

export interface Key {
  id: string;
  name: string;
  project: string;
  hint: string;
  scopes: { models: string[] | null; gateways: string[] | null; admin: boolean };
  expires_at: number | null;
  budget: Budget | null;
  rate_limit: Limit | null;
  default_gateway: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface Gateway {
  id: string;
  authentication: boolean;
  cache_ttl: number;
  rate_limit: Limit | null;
  collect_logs: boolean;
  log_payloads: boolean;
  log_limit: { max_logs: number; strategy: 'stop_inserting' | 'delete_oldest' } | null;
  retries: { max_attempts: number; delay_ms: number; backoff: 'constant' | 'linear' | 'exponential' };
  request_timeout_ms: number | null;
  spend_limit: Budget | null;
  /** Cloudflare's spend limit rules; edited through the API, shown here. */
  spend_limits: { enabled: boolean; rules: Array<{ enabled: boolean }> } | null;
  source: 'builtin' | 'config' | 'api';
}

/** A prompt at one of its versions (`/v1/prompts`): see docs/prompts.md. */
export interface Prompt {
  id: string;
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
  created_at: number;
  latest_version: string;
  version: string;
  version_created_at: number;
  template: Record<string, unknown>;
  variables: string[];
}
