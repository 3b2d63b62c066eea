import type { gatewayObject } from '../api/gateway-settings.ts';
import type { CreateKeyRequest } from '../api/keys.ts';
import type { PromptObject } from '../api/prompts.ts';
import type { LogFilterSpec } from '../api/log-conditions.ts';
import type { keyObject } from '../gateway/key-objects.ts';
import type { analyticsObject, logObject } from '../gateway/log-objects.ts';
import type { providerConfigObject } from '../gateway/provider-config-objects.ts';
import type { AnalyticsDimension } from '../store/log-store.ts';
import type { PromptList } from '../store/prompt-object.ts';
import { ApiClient, type Connection } from './api-client.ts';
import { text, type OptionSpec, type Values } from './command.ts';
import { LocalBackend } from './local-backend.ts';
import { RemoteBackend } from './remote-backend.ts';

export type AnalyticsRow = ReturnType<typeof analyticsObject>;
export type GatewayObject = ReturnType<typeof gatewayObject>;
export type KeyObject = ReturnType<typeof keyObject>;
export type LogObject = ReturnType<typeof logObject>;
export type ProviderConfigObject = ReturnType<typeof providerConfigObject>;

/** The log filters the CLI offers, as `GET /v1/logs` names them. */
export interface LogQuery {
  gateway?: string;
  model?: string;
  /** Only failed requests. */
  errors?: boolean;
  /** Words each entry holds (`search` of `GET /v1/logs`). */
  search?: string;
  /** Cloudflare's structured filters (`filters` of `GET /v1/logs`). */
  filters?: LogFilterSpec[];
}

/** What the CLI reads of a streamed response's events. */
export interface ChatEvent {
  type: string;
  delta?: string;
  response?: {
    id: string;
    status?: string;
    error?: { message: string } | null;
    incomplete_details?: { reason?: string } | null;
    usage?: { input_tokens: number; output_tokens: number } | null;
  };
  message?: string;
}

export interface AnalyticsRequest {
  /** Seconds since the epoch. */
  from: number;
  to: number;
  bucket: 'minute' | 'hour' | 'day' | 'range';
  groupBy?: AnalyticsDimension;
}

/**
 * What the commands that work either way need: in this process, on the data directory
 * (the operator's own, trusted), or against a running server over its HTTP API with a key.
 * Both answer with the API's objects, so each command prints them one way.
 */
export interface CliBackend {
  respond(request: Record<string, unknown>, signal: AbortSignal): Promise<AsyncIterable<ChatEvent>>;
  analytics(request: AnalyticsRequest): Promise<AnalyticsRow[]>;
  gateways(): Promise<GatewayObject[]>;
  createGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject>;
  updateGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject>;
  deleteGateway(id: string): Promise<void>;
  /** The provider keys stored for a gateway, each with its preview, never its secret. */
  providerConfigs(gateway: string): Promise<ProviderConfigObject[]>;
  keys(filter: { project?: string; includeRevoked: boolean }): Promise<KeyObject[]>;
  createKey(request: CreateKeyRequest): Promise<KeyObject & { key: string }>;
  revokeKey(id: string): Promise<KeyObject>;
  /** A page of prompts (100, oldest first, after the prompt `after`), each at its latest version. */
  prompts(after: string | undefined): Promise<PromptList>;
  /** A prompt at `version`, default its latest. */
  prompt(id: string, version: number | undefined): Promise<PromptObject>;
  /** `body` as `POST /v1/prompts` takes it: `{template, name?, description?}`. */
  createPrompt(body: Record<string, unknown>): Promise<PromptObject>;
  addPromptVersion(id: string, body: Record<string, unknown>): Promise<PromptObject>;
  deletePrompt(id: string): Promise<void>;
  /** The newest `limit` entries, oldest first. */
  logs(query: LogQuery, limit: number): Promise<LogObject[]>;
  /** The newest `limit` entries (oldest first, perhaps none), then each batch logged after them, until `signal` aborts. */
  followLogs(query: LogQuery, limit: number, signal: AbortSignal): AsyncIterable<LogObject[]>;
  close(): Promise<void>;
}

/** `--url` and `--key`: talk to a running Portico instead of opening the data directory. */
export const CONNECTION_OPTIONS: OptionSpec = {
  url: { type: 'string' },
  key: { type: 'string' },
};

export function connection(values: Values): Connection | undefined {
  const url = text(values, 'url') ?? process.env.PORTICO_URL;
  if (!url) return undefined;
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url))
    throw new Error(
      `--url (PORTICO_URL) takes a server's http(s) URL such as http://127.0.0.1:8787, not '${url}'`,
    );
  return { url, key: text(values, 'key') ?? process.env.PORTICO_API_KEY };
}

export async function openBackend(values: Values, runsModels = false): Promise<CliBackend> {
  const remote = connection(values);
  return remote ? new RemoteBackend(new ApiClient(remote)) : LocalBackend.open(values, runsModels);
}
