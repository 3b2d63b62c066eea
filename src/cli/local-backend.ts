import { GatewaySettingsInput, gatewayObject } from '../api/gateway-settings.ts';
import type { CreateKeyRequest } from '../api/keys.ts';
import { AnalyticsQuery, LogFilterQuery } from '../api/logs.ts';
import { logFilter as queryLogFilter } from '../gateway/log-query.ts';
import { CreatePromptBody, CreatePromptVersionBody, type PromptObject } from '../api/prompts.ts';
import { parseBody, parseResponseRequest } from '../api/request.ts';
import { gatewayNotFound } from '../gateway/gateway-registry.ts';
import { keyObject } from '../gateway/key-objects.ts';
import { providerConfigObject } from '../gateway/provider-config-objects.ts';
import { analyticsObject, logObject } from '../gateway/log-objects.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import type { LogFilter } from '../store/log-store.ts';
import { DEFAULT_PROJECT } from '../store/owner.ts';
import type { PromptList } from '../store/prompt-object.ts';
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
import type { Values } from './command.ts';
import { runtimeOptions } from './runtime-options.ts';
import { nextLook } from './follow-logs-wait.ts';

/** The CLI's filters checked and read as `GET /v1/logs` reads its query. */
function logFilter(query: LogQuery): LogFilter {
  const fields = parseBody(LogFilterQuery, {
    ...(query.gateway ? { gateway: query.gateway } : {}),
    ...(query.model ? { model: query.model } : {}),
    ...(query.errors ? { success: 'false' } : {}),
    ...(query.search !== undefined ? { search: query.search } : {}),
  });
  return queryLogFilter(fields, query.filters);
}

/** The CLI's backend in this process, on the data directory: the operator's own, so trusted. */
export class LocalBackend implements CliBackend {
  private constructor(private readonly runtime: Runtime) {}

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
    const request = parseResponseRequest(body);
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

  async providerConfigs(gateway: string): Promise<ProviderConfigObject[]> {
    return (await this.runtime.providerConfigs.list(gateway)).map(providerConfigObject);
  }

  async gateways(): Promise<GatewayObject[]> {
    return (await this.runtime.gateway.gateways.list()).map(gatewayObject);
  }

  async createGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    return gatewayObject(
      await this.runtime.gatewayAdmin.create(id, parseBody(GatewaySettingsInput, settings)),
    );
  }

  async updateGateway(id: string, settings: Record<string, unknown>): Promise<GatewayObject> {
    if (!(await this.runtime.gateway.gateways.get(id))) throw gatewayNotFound(id);
    return gatewayObject(
      await this.runtime.gatewayAdmin.update(id, parseBody(GatewaySettingsInput, settings)),
    );
  }

  async deleteGateway(id: string): Promise<void> {
    await this.runtime.gatewayAdmin.delete(id);
  }

  async keys(filter: { project?: string; includeRevoked: boolean }): Promise<KeyObject[]> {
    return (await this.runtime.stores.keys.list(filter)).map(keyObject);
  }

  async createKey(request: CreateKeyRequest): Promise<KeyObject & { key: string }> {
    const { record, key } = await this.runtime.gateway.keys.create(request);
    return { ...keyObject(record), key };
  }

  async revokeKey(id: string): Promise<KeyObject> {
    return keyObject(await this.runtime.gateway.keys.revoke(id));
  }

  /** The CLI's own prompts: the project of requests it runs in-process. */
  prompts(after: string | undefined): Promise<PromptList> {
    return this.runtime.prompts.list(DEFAULT_PROJECT, {
      limit: 100,
      order: 'asc',
      ...(after ? { after } : {}),
    });
  }

  prompt(id: string, version: number | undefined): Promise<PromptObject> {
    return this.runtime.prompts.get(id, DEFAULT_PROJECT, version);
  }

  createPrompt(body: Record<string, unknown>): Promise<PromptObject> {
    return this.runtime.prompts.create(parseBody(CreatePromptBody, body), DEFAULT_PROJECT);
  }

  addPromptVersion(id: string, body: Record<string, unknown>): Promise<PromptObject> {
    return this.runtime.prompts.addVersion(id, parseBody(CreatePromptVersionBody, body), DEFAULT_PROJECT);
  }

  async deletePrompt(id: string): Promise<void> {
    await this.runtime.prompts.delete(id, DEFAULT_PROJECT);
  }

  async logs(query: LogQuery, limit: number): Promise<LogObject[]> {
    const page = await this.runtime.stores.logs.query(logFilter(query), { limit, order: 'desc' });
    return page.data.reverse().map((entry) => logObject(entry, false));
  }

  /**
   * Reads the log in the order it was written (the store's tail), so a long request that
   * started early and was written late still shows up.
   */
  async *followLogs(query: LogQuery, limit: number, signal: AbortSignal): AsyncGenerator<LogObject[]> {
    const filter = logFilter(query);
    // The position before the newest are read: nothing written in between is missed.
    let { cursor } = await this.runtime.stores.logs.tail(filter, undefined, 0);
    yield await this.logs(query, limit);
    while (await nextLook(signal)) {
      const page = await this.runtime.stores.logs.tail(filter, cursor, 100);
      cursor = page.cursor;
      if (page.data.length > 0) yield page.data.map((entry) => logObject(entry, false));
    }
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}
