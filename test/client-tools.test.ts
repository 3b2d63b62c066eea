import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseResponseRequest } from '../src/api/request.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { startResponse } from '../src/engine/create-response.ts';
import { randomId } from '../src/engine/ids.ts';
import type { ModelEvent, Turn } from '../src/providers/provider.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import type { Stores } from '../src/store/stores.ts';
import { ScriptedProvider } from './support/scripted-provider.ts';
import { checkResponseStream } from './support/stream-checks.ts';

/** Codex's client tools: a namespace of functions and a client-executed tool search, on any provider. */
const model: CatalogModel = {
  id: 'test/client-tools',
  provider: 'scripted',
  upstreamModel: 'scripted',
  task: 'Text Generation',
  ownedBy: 'Test',
  proxied: false,
  contextWindow: 8192,
  capabilities: { tools: true, vision: false, structuredOutput: true, reasoningEfforts: [] },
};

const object = {
  type: 'object',
  properties: { id: { type: 'string' } },
  required: ['id'],
  additionalProperties: false,
};
const namespace = {
  type: 'namespace',
  name: 'multi_agent_v1',
  description: 'Sub-agents.',
  tools: [{ type: 'function', name: 'close_agent', parameters: object, strict: false }],
};
const search = {
  type: 'tool_search',
  execution: 'client',
  description: 'Finds more tools.',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

function call(name: string, args: string): ModelEvent[] {
  return [
    { type: 'tool-call-start', callId: `call_${name}`, name, kind: 'function' },
    { type: 'tool-call-delta', callId: `call_${name}`, delta: args },
    { type: 'tool-call-end', callId: `call_${name}` },
    { type: 'finish', reason: 'tool-calls' },
  ];
}

let dataDir: string;
let stores: Stores;
before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'portico-client-tools-'));
  stores = openSqliteStores({ dataDir });
});
after(async () => {
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function run(provider: ScriptedProvider, body: Record<string, unknown>) {
  const catalog = new Catalog([model], new Map([['scripted', provider]]));
  const ctx = { catalog, store: stores.responses, newId: randomId, now: Date.now, owner: 'client-tools' };
  const request = parseResponseRequest({ model: model.id, input: 'Hi', ...body });
  const started = await startResponse(request, ctx, new AbortController().signal);
  const events: Array<Record<string, unknown>> = [];
  for await (const event of started.events) events.push({ ...event });
  return checkResponseStream(events);
}

const names = (turn: Turn) => turn.tools.map((tool) => `${tool.type}:${(tool as { name?: string }).name}`);

describe('namespace tools', () => {
  test('are offered as functions and their calls come back under the namespace', async () => {
    const provider = new ScriptedProvider(() => call('close_agent', '{"id":"a1"}'));
    const response = await run(provider, { tools: [namespace] });
    assert.deepEqual(names(provider.turns[0]!), ['function:close_agent']);
    const [item] = response.output as Array<Record<string, unknown>>;
    assert.deepEqual(
      [item!.type, item!.namespace, item!.name, item!.arguments],
      ['function_call', 'multi_agent_v1', 'close_agent', '{"id":"a1"}'],
    );
  });

  test('a namespaced call in the history reaches the provider under the name it was offered by', async () => {
    const provider = new ScriptedProvider(() => [{ type: 'finish', reason: 'stop' }]);
    await run(provider, {
      tools: [namespace, { type: 'function', name: 'close_agent', parameters: object }],
      input: [
        {
          type: 'function_call',
          call_id: 'c1',
          namespace: 'multi_agent_v1',
          name: 'close_agent',
          arguments: '{}',
        },
        { type: 'function_call_output', call_id: 'c1', output: 'closed' },
      ],
    });
    const turn = provider.turns[0]!;
    assert.deepEqual(names(turn), ['function:multi_agent_v1__close_agent', 'function:close_agent']);
    assert.equal((turn.items[0] as { name: string }).name, 'multi_agent_v1__close_agent');
  });
});

describe('client tool search', () => {
  test('works like a function: its call is a tool_search_call, its output loads tools', async () => {
    const provider = new ScriptedProvider((turn) =>
      turn.items.some((item) => item.type === 'function_call_output')
        ? call('lookup_order', '{"id":"o7"}')
        : call('tool_search', '{"query":"orders"}'),
    );
    const first = await run(provider, { tools: [search] });
    assert.deepEqual(names(provider.turns[0]!), ['function:tool_search']);
    const [searchCall] = first.output as Array<Record<string, unknown>>;
    assert.equal(searchCall!.type, 'tool_search_call');
    assert.equal(searchCall!.execution, 'client');
    assert.deepEqual(searchCall!.arguments, { query: 'orders' });

    const loaded = { type: 'function', name: 'lookup_order', parameters: object, strict: false };
    const second = await run(provider, {
      tools: [search],
      previous_response_id: first.id,
      input: [
        { type: 'tool_search_output', call_id: searchCall!.call_id, execution: 'client', tools: [loaded] },
      ],
    });
    const turn = provider.turns[1]!;
    assert.deepEqual(names(turn), ['function:tool_search', 'function:lookup_order']);
    assert.deepEqual(
      turn.items.slice(-2).map((item) => item.type),
      ['function_call', 'function_call_output'],
    );
    assert.equal((second.output as Array<{ name?: string }>)[0]!.name, 'lookup_order');
  });
});

describe('allowed_tools', () => {
  test('is a hard limit: the model is offered only the allowed tools', async () => {
    const provider = new ScriptedProvider(() => [{ type: 'finish', reason: 'stop' }]);
    await run(provider, {
      tools: [namespace, { type: 'function', name: 'get_time', parameters: null }],
      tool_choice: {
        type: 'allowed_tools',
        mode: 'required',
        tools: [{ type: 'function', name: 'close_agent' }],
      },
    });
    assert.deepEqual(names(provider.turns[0]!), ['function:close_agent']);
    assert.equal(provider.turns[0]!.toolChoice, 'required');
  });
});
