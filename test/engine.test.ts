import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import { LIMITS } from '../src/api/limits.ts';
import { parseResponseRequest } from '../src/api/request.ts';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { startResponse, type EngineContext } from '../src/engine/create-response.ts';
import { randomId } from '../src/engine/ids.ts';
import type { ModelEvent } from '../src/providers/provider.ts';
import type { ResponseStore } from '../src/store/response-store.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { storeUnavailable } from '../src/store/store-unavailable.ts';
import type { Stores } from '../src/store/stores.ts';
import { ScriptedProvider, textAndTwoCalls, textEvents } from './support/scripted-provider.ts';
import { checkResponseStream } from './support/stream-checks.ts';

const model: CatalogModel = {
  id: 'test/scripted',
  provider: 'scripted',
  upstreamModel: 'scripted',
  task: 'Text Generation',
  ownedBy: 'Test',
  proxied: false,
  contextWindow: 4096,
  capabilities: { tools: true, vision: false, structuredOutput: true, reasoningEfforts: [] },
};

let dataDir: string;
let stores: Stores;
let store: ResponseStore;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'portico-engine-'));
  stores = openSqliteStores({ dataDir });
  store = stores.responses;
});
after(async () => {
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function context(provider: ScriptedProvider): EngineContext {
  return {
    catalog: new Catalog([model], new Map([['scripted', provider]])),
    store,
    newId: randomId,
    now: Date.now,
    owner: 'tester',
  };
}

async function collect(
  provider: ScriptedProvider,
  body: Record<string, unknown>,
  signal = new AbortController().signal,
) {
  const request = parseResponseRequest({ model: model.id, ...body });
  const { events } = await startResponse(request, context(provider), signal);
  const all: ResponseStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all as unknown as Array<Record<string, unknown>>;
}

describe('engine', () => {
  test('text becomes one message with the exact lifecycle, and the fold is the terminal response', async () => {
    const events = await collect(new ScriptedProvider(() => textEvents('Hello there friend')), {
      input: 'hi',
    });
    const response = checkResponseStream(events);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Hello there friend');
    assert.equal(typeof response.completed_at, 'number');
    assert.deepEqual(response.usage, {
      input_tokens: 3,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 6,
    });
    const stored = await store.get(response.id as string, 'tester');
    assert.deepEqual(stored, response);
  });

  test('reasoning, text, parallel tool calls and native items each get their own lifecycle', async () => {
    const script: ModelEvent[] = [
      { type: 'reasoning-delta', part: 'summary', delta: 'Thinking' },
      { type: 'reasoning-delta', part: 'summary', delta: ' hard' },
      { type: 'reasoning-encrypted', encryptedContent: 'opaque' },
      {
        type: 'native-item-start',
        item: {
          type: 'web_search_call',
          id: 'ws_1',
          status: 'in_progress',
          action: { type: 'search', query: 'q' },
        },
      },
      { type: 'native-item-event', itemId: 'ws_1', event: { type: 'response.web_search_call.searching' } },
      { type: 'native-item-event', itemId: 'ws_1', event: { type: 'response.invented_event' } },
      {
        type: 'native-item',
        item: {
          type: 'web_search_call',
          id: 'ws_1',
          status: 'completed',
          action: { type: 'search', query: 'q' },
        },
      },
      { type: 'text-delta', delta: 'Calling tools.' },
      { type: 'tool-call-start', callId: 'call_a', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-start', callId: 'call_b', name: 'get_time', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_a', delta: '{"city":' },
      { type: 'tool-call-delta', callId: 'call_b', delta: '{}' },
      { type: 'tool-call-delta', callId: 'call_a', delta: '"Oslo"}' },
      { type: 'tool-call-end', callId: 'call_a' },
      { type: 'tool-call-end', callId: 'call_b' },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 20, reasoningTokens: 5 } },
      { type: 'finish', reason: 'tool-calls' },
    ];
    const events = await collect(new ScriptedProvider(() => script), {
      input: 'weather?',
      include: ['reasoning.encrypted_content'],
    });
    const response = checkResponseStream(events);
    const output = response.output as Array<Record<string, unknown>>;
    assert.deepEqual(
      output.map((item) => item.type),
      ['reasoning', 'web_search_call', 'message', 'function_call', 'function_call'],
    );
    assert.deepEqual(output[0]!.summary, [{ type: 'summary_text', text: 'Thinking hard' }]);
    assert.equal(output[0]!.encrypted_content, 'opaque');
    assert.equal(output[3]!.arguments, '{"city":"Oslo"}');
    assert.equal(output[4]!.arguments, '{}');
    assert.ok(
      !events.some((e) => e.type === 'response.invented_event'),
      'unknown upstream event types are never emitted',
    );
    assert.ok(
      events.some(
        (e) =>
          e.type === 'response.web_search_call.searching' && e.item_id === 'ws_1' && e.output_index === 1,
      ),
    );
  });

  test('item boundaries keep upstream items apart, and annotations land on their text part', async () => {
    const script: ModelEvent[] = [
      { type: 'reasoning-delta', part: 'summary', delta: 'first' },
      { type: 'reasoning-encrypted', encryptedContent: 'one' },
      { type: 'item-end' },
      { type: 'reasoning-encrypted', encryptedContent: 'two' },
      { type: 'item-end' },
      { type: 'text-delta', delta: 'See the source.' },
      {
        type: 'text-annotation',
        annotation: {
          type: 'url_citation',
          url: 'https://example.com',
          title: 'Example',
          start_index: 4,
          end_index: 14,
        },
      },
      { type: 'item-end' },
      { type: 'text-delta', delta: 'A second message.' },
      { type: 'finish', reason: 'stop' },
    ];
    const events = await collect(new ScriptedProvider(() => script), { input: 'x' });
    const response = checkResponseStream(events);
    const output = response.output as Array<Record<string, unknown>>;
    assert.deepEqual(
      output.map((item) => item.type),
      ['reasoning', 'reasoning', 'message', 'message'],
    );
    // Without include: reasoning.encrypted_content the client never sees it; the store keeps it for later turns.
    assert.ok(output.every((item) => !('encrypted_content' in item)));
    assert.ok(!JSON.stringify(events).includes('"encrypted_content"'));
    const stored = await store.get(response.id as string, 'tester');
    assert.deepEqual(
      stored?.output.slice(0, 2).map((item) => (item as { encrypted_content?: string }).encrypted_content),
      ['one', 'two'],
    );
    assert.deepEqual(
      (await store.history(response.id as string, 'tester'))
        ?.filter((item) => item.type === 'reasoning')
        .map((item) => (item as { encrypted_content?: string }).encrypted_content),
      ['one', 'two'],
    );
    const part = (output[2]!.content as Array<{ annotations: unknown[] }>)[0]!;
    assert.deepEqual(part.annotations, [
      { type: 'url_citation', url: 'https://example.com', title: 'Example', start_index: 4, end_index: 14 },
    ]);
    assert.ok(
      events.some((e) => e.type === 'response.output_text.annotation.added' && e.annotation_index === 0),
    );
  });

  test('a length finish is incomplete with max_output_tokens, an error finish is failed', async () => {
    const long = await collect(
      new ScriptedProvider(() => [
        { type: 'text-delta', delta: 'a' },
        { type: 'finish', reason: 'length' },
      ]),
      { input: 'x' },
    );
    const incomplete = checkResponseStream(long);
    assert.equal(incomplete.status, 'incomplete');
    assert.deepEqual(incomplete.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(incomplete.completed_at, null);
    assert.equal((incomplete.output as Array<{ status: string }>)[0]!.status, 'incomplete');

    const failing = await collect(
      new ScriptedProvider(() => [{ type: 'text-delta', delta: 'a' }, new Error('boom')]),
      { input: 'x' },
    );
    const failed = checkResponseStream(failing);
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.error, {
      code: 'server_error',
      message: 'The server had an error while processing your request.',
    });
  });

  test('a provider failing before its first event is an HTTP error, and nothing is stored', async () => {
    const provider = new ScriptedProvider(() => [
      new ApiError({ status: 429, type: 'rate_limit_error', message: 'slow down', retryAfter: 3 }),
    ]);
    const request = parseResponseRequest({ model: model.id, input: 'x' });
    await assert.rejects(
      startResponse(request, context(provider), new AbortController().signal),
      (error: ApiError) => {
        assert.equal(error.status, 429);
        assert.equal(error.retryAfter, 3);
        return true;
      },
    );
  });

  test("a stream's record is begun while its model starts, and taken back when the model fails first", async () => {
    const begun: string[] = [];
    const recording = new Proxy(store, {
      get: (target, name: keyof ResponseStore) =>
        name === 'begin'
          ? (...args: Parameters<ResponseStore['begin']>) => {
              begun.push(args[0].id);
              return target.begin(...args);
            }
          : (target[name] as (...args: unknown[]) => unknown).bind(target),
    });
    const request = parseResponseRequest({ model: model.id, input: 'x', stream: true });
    // The client waits for the longer of the model's start and the record's commit, not their sum.
    let begunWhenModelStarted = 0;
    const starting = new ScriptedProvider(() => {
      begunWhenModelStarted = begun.length;
      return textEvents('hi');
    });
    const { events } = await startResponse(
      request,
      { ...context(starting), store: recording },
      new AbortController().signal,
    );
    const all: ResponseStreamEvent[] = [];
    for await (const event of events) all.push(event);
    const response = checkResponseStream(all as unknown as Array<Record<string, unknown>>);
    assert.equal(begunWhenModelStarted, 1);
    assert.equal((await store.get(response.id as string, 'tester'))?.status, 'completed');

    // Nothing was announced of a response whose model failed before its first event: no record stays.
    const failing = new ScriptedProvider(() => [
      new ApiError({ status: 429, type: 'rate_limit_error', message: 'slow down' }),
    ]);
    await assert.rejects(
      startResponse(request, { ...context(failing), store: recording }, new AbortController().signal),
      { status: 429 },
    );
    assert.equal(begun.length, 2);
    assert.equal(await store.get(begun[1]!, 'tester'), undefined);
  });

  test('previous_response_id rebuilds the chain and instructions are never inherited', async () => {
    const provider = new ScriptedProvider((turn) => textEvents(`turn ${turn.items.length}`));
    const first = checkResponseStream(await collect(provider, { input: 'one', instructions: 'Be brief.' }));
    const second = checkResponseStream(
      await collect(provider, { input: 'two', previous_response_id: first.id }),
    );
    checkResponseStream(
      await collect(provider, {
        input: [{ role: 'user', content: 'three' }],
        previous_response_id: second.id,
      }),
    );
    const [t1, t2, t3] = provider.turns;
    assert.equal(t1!.instructions, 'Be brief.');
    assert.equal(t2!.instructions, undefined);
    assert.equal(t3!.instructions, undefined);
    assert.deepEqual(
      t3!.items.map((item) => [item.type, item.type === 'message' ? item.role : '']),
      [
        ['message', 'user'],
        ['message', 'assistant'],
        ['message', 'user'],
        ['message', 'assistant'],
        ['message', 'user'],
      ],
    );
    const unknown = parseResponseRequest({
      model: model.id,
      input: 'x',
      previous_response_id: 'resp_missing',
    });
    await assert.rejects(startResponse(unknown, context(provider), new AbortController().signal), {
      status: 400,
      param: 'previous_response_id',
    });
  });

  test('a tool output answers a call made before it, in the chain or the input; one that answers nothing is a 400 naming it', async () => {
    const provider = new ScriptedProvider((turn) =>
      turn.items.length === 1
        ? [...textAndTwoCalls(), { type: 'finish', reason: 'tool-calls' }]
        : textEvents('ok'),
    );
    const tools = ['get_weather', 'get_time'].map((name) => ({ type: 'function', name, parameters: null }));
    const asked = checkResponseStream(await collect(provider, { input: 'Weather?', tools }));
    const output = (call_id: string) => ({ type: 'function_call_output', call_id, output: 'done' });
    const answered = checkResponseStream(
      await collect(provider, {
        previous_response_id: asked.id,
        input: [output('call_a'), output('call_b')],
      }),
    );
    assert.equal(answered.status, 'completed');
    const inline = [
      { type: 'function_call', call_id: 'call_c', name: 'get_time', arguments: '{}' },
      output('call_c'),
    ];
    checkResponseStream(await collect(provider, { input: inline }));
    const unanswered = [
      [{ input: [output('call_a')] }, 'input[0].call_id', 'function call output with call_id call_a'],
      [
        { input: [output('call_c'), inline[0]] },
        'input[0].call_id',
        'function call output with call_id call_c',
      ],
      [
        {
          previous_response_id: asked.id,
          input: [output('call_a'), { ...output('call_z'), type: 'custom_tool_call_output' }],
        },
        'input[1].call_id',
        'custom tool call output with call_id call_z',
      ],
    ] as const;
    for (const [body, param, message] of unanswered) {
      const request = parseResponseRequest({ model: model.id, ...body });
      await assert.rejects(
        startResponse(request, context(provider), new AbortController().signal),
        (error) => {
          assert.ok(error instanceof ApiError);
          assert.deepEqual([error.status, error.param], [400, param]);
          assert.match(error.message, new RegExp(`^No tool call found for ${message}\\.$`));
          return true;
        },
      );
    }
  });

  test('a stream whose begin reached the store before the store went away is recorded failed, not left in progress', async () => {
    let begun: string | undefined;
    // The commit lands, then the connection is lost before the store can say so.
    const begin: ResponseStore['begin'] = async (...args) => {
      await store.begin(...args);
      begun = args[0].id;
      throw storeUnavailable('The database');
    };
    const lost = new Proxy(store, {
      get: (target, name: keyof ResponseStore) =>
        name === 'begin' ? begin : (target[name] as (...args: unknown[]) => unknown).bind(target),
    });
    const request = parseResponseRequest({ model: model.id, input: 'x', stream: true });
    await assert.rejects(
      startResponse(
        request,
        { ...context(new ScriptedProvider(() => textEvents('hi'))), store: lost },
        new AbortController().signal,
      ),
      { code: 'store_unavailable' },
    );
    assert.ok(begun);
    let stored = await store.get(begun, 'tester');
    for (let tries = 0; stored?.status === 'in_progress' && tries < 500; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      stored = await store.get(begun, 'tester');
    }
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.error?.code, 'server_error');
  });

  test('the terminal event leaves only once the record of the end is on disk, streamed or not', async () => {
    // A store slow to finish: the record of the end lands 50 ms after it is asked for.
    const slowly = <K extends 'begin' | 'finish'>(name: K): ResponseStore[K] =>
      (async (...args: Parameters<ResponseStore[K]>) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await (store[name] as (...a: Parameters<ResponseStore[K]>) => Promise<void>)(...args);
      }) as ResponseStore[K];
    const slow = new Proxy(store, {
      get: (target, name: keyof ResponseStore) =>
        name === 'finish' || name === 'begin'
          ? slowly(name)
          : (target[name] as (...args: unknown[]) => unknown).bind(target),
    });
    for (const stream of [true, false]) {
      const request = parseResponseRequest({ model: model.id, input: 'x', stream });
      const ctx = { ...context(new ScriptedProvider(() => textEvents('hi'))), store: slow };
      const { events } = await startResponse(request, ctx, new AbortController().signal);
      for await (const event of events) {
        if (event.type !== 'response.completed') continue;
        const stored = await store.get(event.response.id, 'tester');
        assert.equal(stored?.status, 'completed', `stream: ${stream}`);
        assert.deepEqual(stored?.output, event.response.output);
      }
    }
  });

  test('a model that writes past LIMITS.outputChars fails its response, which keeps what came before', async () => {
    const half = 'a'.repeat(LIMITS.outputChars / 2);
    const script: ModelEvent[] = [
      { type: 'text-delta', delta: half },
      { type: 'text-delta', delta: half },
      { type: 'text-delta', delta: 'one too many' },
      { type: 'finish', reason: 'stop' },
    ];
    const events = await collect(new ScriptedProvider(() => script), { input: 'hi' });
    const last = events.at(-1)!;
    assert.equal(last.type, 'response.failed');
    const failed = last.response as { id: string; output_text: string; error: { message: string } };
    assert.match(failed.error.message, /passed 33,554,432 characters/);
    assert.equal(failed.output_text.length, LIMITS.outputChars);
    assert.equal((await store.get(failed.id, 'tester'))?.status, 'failed');
  });

  test('store: false keeps nothing', async () => {
    const response = checkResponseStream(
      await collect(new ScriptedProvider(() => textEvents('hi')), { input: 'x', store: false }),
    );
    assert.equal(await store.get(response.id as string, 'tester'), undefined);
  });

  test('stopping mid-stream stops the provider and records the response as cancelled', async () => {
    const provider = new ScriptedProvider(() => [
      ...Array.from({ length: 50 }, (): Array<ModelEvent | { delayMs: number }> => [
        { type: 'text-delta', delta: 'word ' },
        { delayMs: 5 },
      ]).flat(),
      { type: 'finish', reason: 'stop' },
    ]);
    const abort = new AbortController();
    const request = parseResponseRequest({ model: model.id, input: 'x' });
    const { events } = await startResponse(request, context(provider), abort.signal);
    let id = '';
    for await (const event of events) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta') {
        abort.abort();
        break;
      }
    }
    const stored = await store.get(id, 'tester');
    assert.equal(stored?.status, 'cancelled');
    const text = (stored?.output[0] as { content: Array<{ text: string }> }).content[0]!.text;
    assert.ok(text.length > 0 && text.length < 50 * 5);
    assert.equal(stored?.output_text, text, 'the record says what it holds');
  });
});
