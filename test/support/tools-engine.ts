import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { parseResponseRequest } from '../../src/api/request.ts';
import type { CatalogModel } from '../../src/catalog/catalog-model.ts';
import { Catalog } from '../../src/catalog/catalog.ts';
import { startResponse, type EngineContext } from '../../src/engine/create-response.ts';
import { randomId } from '../../src/engine/ids.ts';
import type { ModelEvent } from '../../src/providers/provider.ts';
import type { ResponseStore } from '../../src/store/response-store.ts';
import { openSqliteStores } from '../../src/store/sqlite-stores.ts';
import type { Stores } from '../../src/store/stores.ts';
import { rejection } from './api-error-checks.ts';
import { ScriptedProvider, textEvents } from './scripted-provider.ts';
import { checkResponseStream } from './stream-checks.ts';

// The tools engine's tests: responses run through the engine on a scripted provider, stored in
// a SQLite store of their own, with the tool definitions and model events they share.

export const model: CatalogModel = {
  id: 'test/tools',
  provider: 'scripted',
  upstreamModel: 'scripted',
  task: 'Text Generation',
  ownedBy: 'Test',
  proxied: false,
  contextWindow: 8192,
  capabilities: { tools: true, vision: false, structuredOutput: true, reasoningEfforts: ['low', 'high'] },
};

let dataDir: string;
let stores: Stores;
let store: ResponseStore;

/** Opens the responses' store before the calling file's tests and removes it after them. */
export function useEngineStore(): void {
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'portico-tools-engine-'));
    stores = openSqliteStores({ dataDir });
    store = stores.responses;
  });
  after(async () => {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
}

export interface Setup {
  models?: CatalogModel[];
  dropUnsupported?: boolean;
  hostedTools?: 'drop' | 'refuse';
  logged?: Array<{ message: string; fields?: Record<string, unknown> }>;
}

export function context(provider: ScriptedProvider, setup: Setup = {}): EngineContext {
  const logged = setup.logged ?? [];
  const log = (message: string, fields?: Record<string, unknown>) =>
    logged.push({ message, ...(fields ? { fields } : {}) });
  return {
    catalog: new Catalog(setup.models ?? [model], new Map([['scripted', provider]])),
    store,
    newId: randomId,
    now: Date.now,
    owner: 'tools-tester',
    logger: { info: log, warn: log, error: log },
    ...(setup.dropUnsupported !== undefined ? { dropUnsupported: setup.dropUnsupported } : {}),
    ...(setup.hostedTools !== undefined ? { hostedToolsPolicy: setup.hostedTools } : {}),
  };
}

export async function run(provider: ScriptedProvider, body: Record<string, unknown>, setup: Setup = {}) {
  const request = parseResponseRequest({ model: model.id, input: 'Hi', ...body });
  const started = await startResponse(request, context(provider, setup), new AbortController().signal);
  const events: Array<Record<string, unknown>> = [];
  for await (const event of started.events) events.push({ ...event });
  return { events, response: checkResponseStream(events), warnings: started.warnings };
}

export function refused(
  body: Record<string, unknown>,
  provider = new ScriptedProvider(() => textEvents('ok')),
) {
  return rejection(run(provider, body));
}

export function call(callId: string, name: string, args: string): ModelEvent[] {
  return [
    { type: 'tool-call-start', callId, name, kind: 'function' },
    { type: 'tool-call-delta', callId, delta: args },
    { type: 'tool-call-end', callId },
  ];
}

export const finish = (reason: 'stop' | 'tool-calls' | 'length' = 'stop'): ModelEvent[] => [
  { type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } },
  { type: 'finish', reason },
];

export const weather = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'A city name' },
    unit: { type: ['string', 'null'], enum: ['c', 'f', null] },
  },
  required: ['city', 'unit'],
  additionalProperties: false,
};

export const fn = (name: string, parameters?: unknown, strict?: boolean) => ({
  type: 'function',
  name,
  ...(parameters !== undefined ? { parameters } : {}),
  ...(strict !== undefined ? { strict } : {}),
});
