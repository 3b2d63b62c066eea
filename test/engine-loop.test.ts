import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseResponseRequest } from '../src/api/request.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { startResponse } from '../src/engine/create-response.ts';
import type { EngineContext } from '../src/engine/engine-context.ts';
import type {
  HostedResult,
  HostedToolCall,
  HostedToolRunner,
  OfferedTurn,
} from '../src/engine/hosted-tool-runner.ts';
import { randomId } from '../src/engine/ids.ts';
import type { ModelEvent, Provider } from '../src/providers/provider.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import type { Stores } from '../src/store/stores.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './support/scripted-provider.ts';
import { checkResponseStream } from './support/stream-checks.ts';

const model = scriptedModel('test/scripted', 'scripted');

let dataDir: string;
let stores: Stores;
before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'portico-loop-'));
  stores = openSqliteStores({ dataDir });
});
after(async () => {
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function context(provider: Provider, extra: Partial<EngineContext> = {}): EngineContext {
  return {
    catalog: new Catalog([model], new Map([['scripted', provider]])),
    store: stores.responses,
    newId: randomId,
    now: Date.now,
    owner: 'tester',
    ...extra,
  };
}

async function collect(ctx: EngineContext, body: Record<string, unknown>) {
  const request = parseResponseRequest({ model: model.id, ...body });
  const { events } = await startResponse(request, ctx, new AbortController().signal);
  const all: Array<Record<string, unknown>> = [];
  for await (const event of events) all.push(event as unknown as Record<string, unknown>);
  return all;
}

function call(callId: string, name: string, args: string): ModelEvent[] {
  return [
    { type: 'tool-call-start', callId, name, kind: 'function' },
    { type: 'tool-call-delta', callId, delta: args },
    { type: 'tool-call-end', callId },
  ];
}

/** A hosted `search` tool: shown as a web_search_call, fed back to the model as a call and its output. */
class SearchRunner implements HostedToolRunner {
  readonly calls: HostedToolCall[] = [];
  async open() {
    return { events: [], items: [] };
  }
  offer({ turn, paths }: OfferedTurn): OfferedTurn {
    const search = { type: 'function' as const, name: 'search', parameters: {}, strict: false };
    const tools = turn.tools.map((tool) => (tool.type === 'web_search' ? search : tool));
    return { turn: { ...turn, tools }, paths: [...paths] };
  }
  runs(name: string): boolean {
    return name === 'search';
  }
  async *run(hosted: HostedToolCall): AsyncGenerator<ModelEvent, HostedResult, undefined> {
    this.calls.push(hosted);
    const id = `ws_${hosted.callId}`;
    const action = { type: 'search', query: JSON.parse(hosted.input).q as string };
    yield { type: 'native-item-start', item: { type: 'web_search_call', id, status: 'in_progress', action } };
    await new Promise((resolve) => setTimeout(resolve, hosted.callId === 'c1' ? 20 : 1));
    yield { type: 'native-item-event', itemId: id, event: { type: 'response.web_search_call.searching' } };
    yield { type: 'native-item', item: { type: 'web_search_call', id, status: 'completed', action } };
    return {
      items: [
        {
          type: 'function_call',
          id: `fc_${hosted.callId}`,
          call_id: hosted.callId,
          name: 'search',
          arguments: hosted.input,
        },
        {
          type: 'function_call_output',
          id: `fco_${hosted.callId}`,
          call_id: hosted.callId,
          output: `found ${action.query}`,
        },
      ],
    };
  }
}

describe('the engine loop', () => {
  test('hosted calls run between model turns until the model answers; usage is summed', async () => {
    const runner = new SearchRunner();
    const provider = new ScriptedProvider((turn) =>
      turn.items.some((item) => item.type === 'function_call_output')
        ? textEvents('Oslo is cold.', 7)
        : [
            { type: 'text-delta', delta: 'Let me look.' },
            ...call('c1', 'search', '{"q":"oslo"}'),
            ...call('c2', 'search', '{"q":"bergen"}'),
            { type: 'usage', usage: { inputTokens: 5, outputTokens: 4 } },
            { type: 'finish', reason: 'tool-calls' },
          ],
    );
    const events = await collect(context(provider, { hostedTools: async () => runner }), {
      input: 'weather?',
      tools: [{ type: 'web_search' }],
    });
    const response = checkResponseStream(events);
    const output = response.output as Array<Record<string, unknown>>;
    assert.deepEqual(
      output.map((item) => [item.type, item.id]),
      [
        ['message', output[0]!.id],
        ['web_search_call', 'ws_c1'],
        ['web_search_call', 'ws_c2'],
        ['message', output[3]!.id],
      ],
    );
    assert.equal(response.output_text, 'Let me look.Oslo is cold.');
    assert.deepEqual(response.usage, {
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 4 + 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 19,
    });
    assert.equal(provider.turns.length, 2);
    assert.deepEqual(
      provider.turns[0]!.tools.map((tool) => tool.type),
      ['function'],
      'the runner offered its tool in place of the hosted one',
    );
    // The second turn sees the first turn's words, then each call with its result, in call order.
    assert.deepEqual(
      provider.turns[1]!.items.map(
        (item) => item.type + (item.type === 'function_call_output' ? `:${item.output as string}` : ''),
      ),
      [
        'message',
        'message',
        'function_call',
        'function_call_output:found oslo',
        'function_call',
        'function_call_output:found bergen',
      ],
    );
    assert.ok(
      !events.some((e) => e.type === 'response.function_call_arguments.delta'),
      'hosted calls are not shown as function calls',
    );
    const stored = await stores.responses.get(response.id as string, 'tester');
    assert.deepEqual(stored?.output, response.output);
  });

  test('a client function call in the same turn ends the response after the hosted calls ran', async () => {
    const runner = new SearchRunner();
    const provider = new ScriptedProvider(() => [
      ...call('c1', 'search', '{"q":"x"}'),
      ...call('c9', 'get_weather', '{}'),
      { type: 'finish', reason: 'tool-calls' },
    ]);
    const response = checkResponseStream(
      await collect(context(provider, { hostedTools: async () => runner }), {
        input: 'x',
        tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }],
      }),
    );
    assert.deepEqual(
      (response.output as Array<{ type: string }>).map((item) => item.type),
      ['function_call', 'web_search_call'],
    );
    assert.equal(provider.turns.length, 1);
    assert.equal(response.status, 'completed');
  });

  test('a model that never stops calling hosted tools fails after the loop bound', async () => {
    const runner = new SearchRunner();
    let n = 0;
    const provider = new ScriptedProvider(() => [
      ...call(`l${n++}`, 'search', '{"q":"again"}'),
      { type: 'finish', reason: 'tool-calls' },
    ]);
    const response = checkResponseStream(
      await collect(context(provider, { hostedTools: async () => runner }), { input: 'x' }),
    );
    assert.equal(response.status, 'failed');
    assert.match((response.error as { message: string }).message, /after 16 turns/);
    assert.equal(provider.turns.length, 16);
  });

  test('max_tool_calls counts hosted calls across turns', async () => {
    const runner = new SearchRunner();
    let n = 0;
    const provider = new ScriptedProvider(() => [
      ...call(`m${n++}`, 'search', '{"q":"a"}'),
      ...textEvents('done'),
    ]);
    const response = checkResponseStream(
      await collect(context(provider, { hostedTools: async () => runner }), {
        input: 'x',
        max_tool_calls: 2,
      }),
    );
    assert.equal(runner.calls.length, 2);
    assert.equal(provider.turns.length, 3, 'the third turn may not call: its call is dropped and it answers');
    assert.equal(response.status, 'completed');
  });

  test('wrapProvider sees every turn; previousItems is asked before the store', async () => {
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const wrapped: string[] = [];
    const asked: string[] = [];
    const ctx = context(provider, {
      wrapProvider: (inner, wrappedModel) => {
        wrapped.push(wrappedModel.id);
        return { generate: (turn, signal) => inner.generate(turn, signal) };
      },
      previousItems: async (id) => {
        asked.push(id);
        return id === 'resp_cached'
          ? [
              {
                type: 'message',
                id: 'm_cached',
                role: 'user',
                content: [{ type: 'input_text', text: 'from the cache' }],
              },
            ]
          : undefined;
      },
    });
    checkResponseStream(await collect(ctx, { input: 'next', previous_response_id: 'resp_cached' }));
    assert.deepEqual(wrapped, ['test/scripted']);
    assert.deepEqual(asked, ['resp_cached']);
    assert.deepEqual(provider.turns[0]!.items.map((item) => item.id).slice(0, 1), ['m_cached']);
    const first = checkResponseStream(await collect(ctx, { input: 'stored' }));
    checkResponseStream(await collect(ctx, { input: 'again', previous_response_id: first.id }));
    assert.equal(
      provider.turns[2]!.items.length,
      3,
      'an id the cache does not know falls through to the store',
    );
  });
});
