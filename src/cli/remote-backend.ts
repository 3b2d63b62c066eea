import type { ApiClient } from './api-client.ts';
import type { AnalyticsRequest, AnalyticsRow, ChatEvent, CliBackend, GatewayObject } from './backend.ts';

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

  createGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    return this.api.json('POST', '/v1/gateways', { id, ...settings });
  }

  updateGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    return this.api.json('PATCH', `/v1/gateways/${encodeURIComponent(id)}`, settings);
  }

  async deleteGateway(id: string): Promise<void> {
    await this.api.json('DELETE', `/v1/gateways/${encodeURIComponent(id)}`);
  }

  async close(): Promise<void> {}
}
