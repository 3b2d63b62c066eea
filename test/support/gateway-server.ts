import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import type { Logger } from '../../src/logger.ts';
import type { Provider } from '../../src/providers/provider.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './scripted-provider.ts';

export interface GatewayUnderTest {
  server: RunningServer;
  url: string;
  dataDir: string;
  /** The official SDK against /v1, with `key` as its bearer (a placeholder when absent). */
  client(key?: string, headers?: Record<string, string>): OpenAI;
  /** A raw request: JSON in and out, the status and headers kept. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>;
  /** Every log entry written so far (after flushing the writer). */
  logs(): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  config?: unknown;
  models?: CatalogModel[];
  providers?: Map<string, Provider>;
  env?: NodeJS.ProcessEnv;
  modelsDirs?: string[];
  logger?: Logger;
}

/** A provider that answers `text` every time, counting its generations in `turns`. */
export function echoProvider(text = 'Hello from the scripted model.'): ScriptedProvider {
  return new ScriptedProvider(() => textEvents(text, 7));
}

/** The real server on a loopback port, in a fresh data folder, with scripted models `test/*`. */
export async function startGateway(options: GatewayOptions = {}): Promise<GatewayUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-gateway-'));
  const scripted = echoProvider();
  const server = await startServer({
    port: 0,
    dataDir,
    modelsDirs: options.modelsDirs ?? [],
    env: options.env ?? {},
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    models: options.models ?? [scriptedModel('test/echo', 'scripted')],
    providers: options.providers ?? new Map([['scripted', scripted]]),
  });
  const url = server.url;
  return {
    server,
    url,
    dataDir,
    client: (key = 'unused', headers = {}) =>
      new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: headers }),
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        json = { text };
      }
      return { status: response.status, headers: response.headers, json };
    },
    async logs() {
      await server.runtime.gateway.flushLogs();
      const page = await server.runtime.stores.logs.query({}, { limit: 100, order: 'asc' });
      return page.data as unknown as Array<Record<string, unknown>>;
    },
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
