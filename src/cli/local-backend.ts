import { GatewaySettingsInput, gatewayObject } from '../api/gateway-settings.ts';
import { AnalyticsQuery } from '../api/logs.ts';
import { CreateResponseRequest, parseBody } from '../api/request.ts';
import { GatewayAdmin } from '../gateway/gateway-admin.ts';
import { gatewayNotFound } from '../gateway/gateway-registry.ts';
import { analyticsObject } from '../gateway/log-objects.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import type { AnalyticsRequest, AnalyticsRow, ChatEvent, CliBackend, GatewayObject } from './backend.ts';
import type { Values } from './command.ts';
import { runtimeOptions } from './runtime-options.ts';

/** The CLI's backend in this process, on the data directory: the operator's own, so trusted. */
export class LocalBackend implements CliBackend {
  private readonly admin: GatewayAdmin;

  private constructor(private readonly runtime: Runtime) {
    this.admin = new GatewayAdmin(runtime.gateway.gateways, runtime.stores.gateways);
  }

  /** A command that runs models leaves queued background runs to the server; one that only reads recovers nothing. */
  static async open(values: Values, runsModels: boolean): Promise<LocalBackend> {
    const options = runtimeOptions(values);
    return new LocalBackend(
      await createRuntime(
        runsModels ? { ...options, background: { run: false } } : { ...options, recover: false },
      ),
    );
  }

  async respond(body: Record<string, unknown>, signal: AbortSignal): Promise<AsyncIterable<ChatEvent>> {
    const request = parseBody(CreateResponseRequest, body);
    const { events } = await this.runtime.gateway.run({
      path: 'cli',
      credentials: { kind: 'trusted', project: DEFAULT_PROJECT },
      gatewayId: undefined,
      options: {},
      steps: [{ request, options: {} }],
      modelFallbacks: true,
      signal,
      warnings: [],
      stream: true,
    });
    return events as AsyncIterable<ChatEvent>;
  }

  async analytics({ from, to, bucket, groupBy }: AnalyticsRequest): Promise<AnalyticsRow[]> {
    const query = parseBody(AnalyticsQuery, {
      from: String(from),
      to: String(to),
      bucket,
      ...(groupBy ? { group_by: groupBy } : {}),
    });
    const rows = await this.runtime.stores.logs.analytics({
      from: query.from ?? from * 1000,
      to: query.to ?? to * 1000,
      bucketMs: query.bucket,
      ...(query.group_by ? { groupBy: query.group_by } : {}),
    });
    return rows.map(analyticsObject);
  }

  async gateways(): Promise<GatewayObject[]> {
    return (await this.runtime.gateway.gateways.list()).map(gatewayObject);
  }

  async createGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    return gatewayObject(await this.admin.create(id, parseBody(GatewaySettingsInput, settings)));
  }

  async updateGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    if (!(await this.runtime.gateway.gateways.get(id))) throw gatewayNotFound(id);
    return gatewayObject(await this.admin.update(id, parseBody(GatewaySettingsInput, settings)));
  }

  async deleteGateway(id: string): Promise<void> {
    await this.admin.delete(id);
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}
