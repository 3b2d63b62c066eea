import type { CreateKeyRequest } from '../api/keys.ts';
import type { PromptObject } from '../api/prompts.ts';
import type { PromptList } from '../store/prompt-object.ts';
import type { ApiClient } from './api-client.ts';
import type {
  AnalyticsRequest,
  AnalyticsRow,
  ChatEvent,
  CliBackend,
  GatewayObject,
  KeyObject,
  LogObject,
  LogQuery,
  ProviderConfigObject,
} from './backend.ts';
import { nextLook } from './follow-logs-wait.ts';

/** How many of the newest entries each poll reads while following. */
const FOLLOW_PAGE = 100;

function logsPath(query: LogQuery, limit: number): string {
  const params = new URLSearchParams({ limit: String(limit), order: 'desc' });
  if (query.gateway) params.set('gateway', query.gateway);
  if (query.model) params.set('model', query.model);
  if (query.errors) params.set('success', 'false');
  if (query.search) params.set('search', query.search);
  if (query.filters?.length) params.set('filters', JSON.stringify(query.filters));
  return `/v1/logs?${params}`;
}

/** The CLI's backend over a running server's HTTP API. */
export class RemoteBackend implements CliBackend {
  constructor(private readonly api: ApiClient) {}

  async respond(request: Record<string, unknown>, signal: AbortSignal): Promise<AsyncIterable<ChatEvent>> {
    const events = this.api.events('/v1/responses', { ...request, stream: true }, signal);
    // The first event (or the HTTP error) arrives before the answer is handed over, as in-process.
    const first = await events.next();
    return (async function* () {
      if (first.done) return;
      yield first.value as unknown as ChatEvent;
      for await (const event of events) yield event as unknown as ChatEvent;
    })();
  }

  async analytics({ from, to, bucket, groupBy }: AnalyticsRequest): Promise<AnalyticsRow[]> {
    const query = new URLSearchParams({ from: String(from), to: String(to), bucket });
    if (groupBy) query.set('group_by', groupBy);
    return (await this.api.json<{ data: AnalyticsRow[] }>('GET', `/v1/analytics?${query}`)).data;
  }

  async gateways(): Promise<GatewayObject[]> {
    return (await this.api.json<{ data: GatewayObject[] }>('GET', '/v1/gateways')).data;
  }

  async providerConfigs(gateway: string): Promise<ProviderConfigObject[]> {
    const path = `/v1/gateways/${encodeURIComponent(gateway)}/provider_configs`;
    return (await this.api.json<{ data: ProviderConfigObject[] }>('GET', path)).data;
  }

  createGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    return this.api.json('POST', '/v1/gateways', { id, ...settings });
  }

  updateGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    return this.api.json('PATCH', `/v1/gateways/${encodeURIComponent(id)}`, settings);
  }

  async deleteGateway(id: string): Promise<void> {
    await this.api.json('DELETE', `/v1/gateways/${encodeURIComponent(id)}`);
  }

  async keys(filter: { project?: string; includeRevoked: boolean }): Promise<KeyObject[]> {
    const params = new URLSearchParams({ include_revoked: String(filter.includeRevoked) });
    if (filter.project !== undefined) params.set('project', filter.project);
    return (await this.api.json<{ data: KeyObject[] }>('GET', `/v1/keys?${params}`)).data;
  }

  createKey(request: CreateKeyRequest): Promise<KeyObject & { key: string }> {
    return this.api.json('POST', '/v1/keys', request);
  }

  revokeKey(id: string): Promise<KeyObject> {
    return this.api.json('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
  }

  prompts(after: string | undefined): Promise<PromptList> {
    const params = new URLSearchParams({ limit: '100', order: 'asc', ...(after ? { after } : {}) });
    return this.api.json('GET', `/v1/prompts?${params}`);
  }

  prompt(id: string, version: number | undefined): Promise<PromptObject> {
    const query = version === undefined ? '' : `?version=${version}`;
    return this.api.json('GET', `/v1/prompts/${encodeURIComponent(id)}${query}`);
  }

  createPrompt(body: Record<string, unknown>): Promise<PromptObject> {
    return this.api.json('POST', '/v1/prompts', body);
  }

  addPromptVersion(id: string, body: Record<string, unknown>): Promise<PromptObject> {
    return this.api.json('POST', `/v1/prompts/${encodeURIComponent(id)}/versions`, body);
  }

  async deletePrompt(id: string): Promise<void> {
    await this.api.json('DELETE', `/v1/prompts/${encodeURIComponent(id)}`);
  }

  async logs(query: LogQuery, limit: number): Promise<LogObject[]> {
    return (await this.api.json<{ data: LogObject[] }>('GET', logsPath(query, limit))).data.reverse();
  }

  /** Polls the newest entries and yields those not seen before (the API has no push). */
  async *followLogs(query: LogQuery, limit: number, signal: AbortSignal): AsyncGenerator<LogObject[]> {
    const newest = await this.logs(query, Math.max(limit, FOLLOW_PAGE));
    // The ids of the latest page: anything newer shows up in the next page, so older ids are not kept.
    let seen = new Set(newest.map((entry) => entry.id));
    yield newest.slice(-limit);
    while (await nextLook(signal)) {
      const page = await this.logs(query, FOLLOW_PAGE);
      const fresh = page.filter((entry) => !seen.has(entry.id));
      seen = new Set(page.map((entry) => entry.id));
      if (fresh.length > 0) yield fresh;
    }
  }

  async close(): Promise<void> {}
}
