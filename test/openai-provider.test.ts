import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { ApiError } from '../src/api/errors.ts';
import type { Item } from '../src/api/items.ts';
import type { CreateResponseRequest } from '../src/api/request.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { BUILTIN_MODELS } from '../src/config/builtin-models.ts';
import { startResponse, type EngineContext } from '../src/engine/create-response.ts';
import { randomId } from '../src/engine/ids.ts';
import type { UpstreamOptions } from '../src/providers/http/upstream-options.ts';
import { OpenAiProvider } from '../src/providers/openai/openai-provider.ts';
import type { ModelEvent, Turn } from '../src/providers/provider.ts';
import {
  loadFixture,
  startReplayServer,
  type Fixture,
  type RecordedRequest,
  type ReplayServer,
} from './support/replay-server.ts';
import { providerTurn, userText } from './support/provider-turn.ts';
import { replayThroughSdk } from './support/sdk-replay.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';

const KEY = 'sk-test-portico0123456789abcdef6789';
const fixturesDir = new URL('./fixtures/openai/', import.meta.url);
const fixture = (name: string): Fixture => loadFixture(new URL(`${name}.json`, fixturesDir));
const model = BUILTIN_MODELS[0]!;

let server: ReplayServer;
let route: (request: RecordedRequest) => Fixture = () => fixture('text');

before(async () => {
  server = await startReplayServer((request) => route(request));
});
after(() => server.close());

function provider(overrides: Partial<UpstreamOptions> = {}): OpenAiProvider {
  return new OpenAiProvider({
    id: 'openai',
    baseUrl: `${server.url}/v1`,
    apiKey: KEY,
    headers: { 'OpenAI-Project': 'proj_portico' },
    timeouts: { connectMs: 5_000, firstByteMs: 5_000, idleMs: 5_000 },
    post: undiciPost,
    ...overrides,
  });
}

function turn(overrides: Partial<Turn> = {}): Turn {
  return providerTurn(model, { items: [userText('Hi', 'msg_portico_1')], ...overrides });
}

interface Run {
  events: ModelEvent[];
  request: RecordedRequest;
  body: Record<string, unknown>;
}

async function run(served: Fixture, t: Turn = turn(), options: Partial<UpstreamOptions> = {}): Promise<Run> {
  route = () => served;
  const seen = server.requests.length;
  const events: ModelEvent[] = [];
  for await (const event of provider(options).generate(t, new AbortController().signal)) events.push(event);
  const request = server.requests[seen]!;
  return { events, request, body: request.json as Record<string, unknown> };
}

async function thrown(served: Fixture, options: Partial<UpstreamOptions> = {}): Promise<ApiError> {
  try {
    const { events } = await run(served, turn(), options);
    assert.fail(`expected an error, got ${JSON.stringify(events)}`);
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assertNoKey(error);
    return error;
  }
}

function assertNoKey(error: ApiError): void {
  const visible = `${error.message} ${JSON.stringify(error.toJSON())}`;
  assert.ok(!visible.includes(KEY), 'the API key leaked');
  assert.ok(!/sk-[A-Za-z0-9*]/.test(visible), `a key-like string leaked: ${visible}`);
}

function finish(events: ModelEvent[]): Extract<ModelEvent, { type: 'finish' }> {
  const last = events.at(-1);
  assert.equal(last?.type, 'finish');
  return last as Extract<ModelEvent, { type: 'finish' }>;
}

const texts = (events: ModelEvent[]): string =>
  events.map((e) => (e.type === 'text-delta' ? e.delta : '')).join('');

describe('openai provider: streams', () => {
  test('plain text: deltas, usage with cached tokens, stop', async () => {
    const { events } = await run(fixture('text'));
    assert.deepEqual(events, [
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: '! How can' },
      { type: 'text-delta', delta: ' I help you today?' },
      { type: 'item-end' },
      {
        type: 'usage',
        usage: {
          inputTokens: 42,
          outputTokens: 11,
          cachedInputTokens: 32,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('the same stream split into 7-byte chunks gives the same events', async () => {
    const { body, ...whole } = fixture('text');
    const chunks: string[] = [];
    for (let at = 0; at < body!.length; at += 7) chunks.push(body!.slice(at, at + 7));
    const split = await run({ ...whole, chunks });
    const joined = await run(fixture('text'));
    assert.deepEqual(split.events, joined.events);
  });

  test('the request: streamed, not stored, encrypted reasoning asked for, no Portico ids, key in the header', async () => {
    const { request, body } = await run(fixture('text'), turn({ instructions: 'Be brief.' }));
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/responses');
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    assert.equal(request.headers['openai-project'], 'proj_portico');
    assert.equal(request.headers.accept, 'text/event-stream');
    assert.deepEqual(body, {
      model: 'gpt-5.4-pro',
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
      instructions: 'Be brief.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      text: { format: { type: 'text' } },
    });
  });

  test('sampling, reasoning and the client include list are passed on; seed is not', async () => {
    const { body } = await run(
      fixture('text'),
      turn({
        reasoning: { effort: 'xhigh', generate_summary: 'detailed' },
        sampling: { temperature: 0.2, topP: 0.9, maxOutputTokens: 2048, seed: 7 },
        include: ['web_search_call.action.sources', 'reasoning.encrypted_content'],
        text: { format: { type: 'text' }, verbosity: 'low' },
      }),
    );
    assert.deepEqual(body.include, ['reasoning.encrypted_content', 'web_search_call.action.sources']);
    assert.deepEqual(body.reasoning, { effort: 'xhigh', summary: 'detailed' });
    assert.deepEqual(body.text, { format: { type: 'text' }, verbosity: 'low' });
    assert.equal(body.temperature, 0.2);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_output_tokens, 2048);
    assert.equal('seed' in body, false);
  });

  test('a model that does not reason is not asked for encrypted reasoning', async () => {
    const plain = {
      ...model,
      upstreamModel: 'gpt-4.1',
      capabilities: { ...model.capabilities, reasoningEfforts: [] },
    };
    const { body } = await run(fixture('text'), turn({ model: plain }));
    assert.equal(body.model, 'gpt-4.1');
    assert.equal('include' in body, false);
  });

  test('reasoning: summary parts, then encrypted content sealed with the upstream item id', async () => {
    const { events } = await run(fixture('reasoning'));
    const summary = events.filter((e) => e.type === 'reasoning-delta').map((e) => e.delta);
    assert.equal(
      summary.join(''),
      '**Checking the arithmetic**\n\nThe user asks for 17 times 23.\n\n**Answering**\n\n17 x 23 = 391.',
    );
    assert.ok(events.every((e) => e.type !== 'reasoning-delta' || e.part === 'summary'));
    const encrypted = events.find((e) => e.type === 'reasoning-encrypted');
    assert.ok(encrypted?.type === 'reasoning-encrypted');
    assert.match(
      encrypted.encryptedContent,
      /^portico\.openai:rs_0a1f7c3e9b2d4e6f02aa11bb22cc33dd44ee55ff66a7b8c9:gAAAAABpQ1Zx/,
    );
    // Reasoning comes before the answer, and the answer is whole.
    assert.ok(
      events.findIndex((e) => e.type === 'reasoning-encrypted') <
        events.findIndex((e) => e.type === 'text-delta'),
    );
    assert.equal(texts(events), '17 × 23 = 391.');
    assert.deepEqual(events.at(-2), {
      type: 'usage',
      usage: {
        inputTokens: 25,
        outputTokens: 230,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 192,
      },
    });
    assert.deepEqual(finish(events), { type: 'finish', reason: 'stop' });
  });

  test("the next turn carries the reasoning under OpenAI's own id and sends no other ids", async () => {
    const first = await run(fixture('reasoning'));
    const sealed = first.events.find((e) => e.type === 'reasoning-encrypted');
    assert.ok(sealed?.type === 'reasoning-encrypted');
    const history: Item[] = [
      userText('What is 17 times 23?', 'msg_portico_1'),
      {
        type: 'reasoning',
        id: 'rs_portico_1',
        summary: [{ type: 'summary_text', text: 'Checking the arithmetic' }],
        encrypted_content: sealed.encryptedContent,
      },
      {
        type: 'message',
        id: 'msg_portico_2',
        role: 'assistant',
        status: 'completed',
        phase: 'final_answer',
        content: [{ type: 'output_text', text: '17 × 23 = 391.', annotations: [], logprobs: [] }],
      },
      // Another provider's reasoning, and reasoning with nothing OpenAI can use: never sent.
      {
        type: 'reasoning',
        id: 'rs_portico_2',
        summary: [],
        encrypted_content: 'anthropic-thinking.v1:eyJ0eXBlIjoidGhpbmtpbmcifQ',
      },
      { type: 'reasoning', id: 'rs_portico_3', summary: [{ type: 'summary_text', text: 'local thoughts' }] },
      {
        type: 'function_call',
        id: 'fc_portico_1',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      },
      { type: 'function_call_output', id: 'fco_portico_1', call_id: 'call_1', output: '{"temp":21}' },
      {
        type: 'web_search_call',
        id: 'ws_upstream_1',
        status: 'completed',
        action: { type: 'search', query: 'x' },
      },
      userText('And 18 times 23?', 'msg_portico_3'),
    ];
    const { body } = await run(fixture('text'), turn({ items: history }));
    assert.deepEqual(body.input, [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is 17 times 23?' }] },
      {
        type: 'reasoning',
        id: 'rs_0a1f7c3e9b2d4e6f02aa11bb22cc33dd44ee55ff66a7b8c9',
        summary: [{ type: 'summary_text', text: 'Checking the arithmetic' }],
        encrypted_content:
          'gAAAAABpQ1Zx3kR9mT2vL8nYc4Wq7Eo1Hs6Ju0Ka5Pd_Zb9Xf2Gg3Ii4Nn8Mm1Oo-Rr7Ss5Tt0Uu6Vv9Ww2Xx4Yy8Zz3Aa1Bb5Cc7Dd9Ee0Ff2Gg4Hh6Ii8Jj==',
      },
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: '17 × 23 = 391.' }],
        phase: 'final_answer',
      },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"temp":21}' },
      {
        type: 'web_search_call',
        id: 'ws_upstream_1',
        status: 'completed',
        action: { type: 'search', query: 'x' },
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And 18 times 23?' }] },
    ]);
  });

  test('reasoning a client got from OpenAI directly is sent under the id it came with', async () => {
    const raw = 'gAAAAABpRawFromOpenAI_0123456789';
    const items: Item[] = [{ type: 'reasoning', id: 'rs_from_openai', summary: [], encrypted_content: raw }];
    const { body } = await run(fixture('text'), turn({ items }));
    assert.deepEqual(body.input, [
      { type: 'reasoning', id: 'rs_from_openai', summary: [], encrypted_content: raw },
    ]);
  });

  test('function call: start, argument deltas, end, finish tool-calls; tools are sent', async () => {
    const tools: Turn['tools'] = [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Current weather',
        parameters: { type: 'object', properties: { location: { type: 'string' } } },
        strict: true,
      },
    ];
    const { events, body } = await run(
      fixture('function-call'),
      turn({ tools, toolChoice: 'required', parallelToolCalls: false }),
    );
    assert.deepEqual(body.tools, tools);
    assert.equal(body.tool_choice, 'required');
    assert.equal(body.parallel_tool_calls, false);
    const callId = 'call_Jk3mN8pQ2rS7tU1vW5xY9zA4';
    assert.deepEqual(events.slice(0, 6), [
      { type: 'tool-call-start', callId, name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId, delta: '{"location' },
      { type: 'tool-call-delta', callId, delta: '":"Paris, ' },
      { type: 'tool-call-delta', callId, delta: 'France","unit":"c' },
      { type: 'tool-call-delta', callId, delta: 'elsius"}' },
      { type: 'tool-call-end', callId },
    ]);
    assert.deepEqual(finish(events), { type: 'finish', reason: 'tool-calls' });
  });

  test('two parallel function calls keep their own call ids and arguments', async () => {
    const { events } = await run(fixture('parallel-function-calls'));
    const calls = new Map<string, string>();
    const order: string[] = [];
    for (const event of events) {
      if (event.type === 'tool-call-start') {
        calls.set(event.callId, '');
        order.push(`start ${event.callId}`);
      }
      if (event.type === 'tool-call-delta') calls.set(event.callId, calls.get(event.callId)! + event.delta);
      if (event.type === 'tool-call-end') order.push(`end ${event.callId}`);
    }
    assert.deepEqual(order, [
      'start call_Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8',
      'end call_Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8',
      'start call_Ii9Jj0Kk1Ll2Mm3Nn4Oo5Pp6',
      'end call_Ii9Jj0Kk1Ll2Mm3Nn4Oo5Pp6',
    ]);
    assert.deepEqual(Object.fromEntries(calls), {
      call_Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8: '{"location":"Paris"}',
      call_Ii9Jj0Kk1Ll2Mm3Nn4Oo5Pp6: '{"location":"Tokyo"}',
    });
    assert.equal(finish(events).reason, 'tool-calls');
  });

  test('custom tool call: kind custom with its input streamed', async () => {
    const { events } = await run(fixture('custom-tool-call'));
    const callId = 'call_Qq7Rr8Ss9Tt0Uu1Vv2Ww3Xx4';
    assert.deepEqual(events[0], { type: 'tool-call-start', callId, name: 'run_sql', kind: 'custom' });
    const input = events.map((e) => (e.type === 'tool-call-delta' ? e.delta : '')).join('');
    assert.equal(input, 'SELECT name FROM users WHERE id = 7;');
    assert.equal(finish(events).reason, 'tool-calls');
  });

  test('structured output: the json_schema format is sent and the JSON answer streams as text', async () => {
    const format = {
      type: 'json_schema' as const,
      name: 'person',
      strict: true,
      schema: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          born: { type: 'integer' },
          fields: { type: 'array', items: { type: 'string' } },
        },
        required: ['name', 'born', 'fields'],
        additionalProperties: false,
      },
    };
    const { events, body } = await run(fixture('structured-output'), turn({ text: { format } }));
    assert.deepEqual(body.text, { format });
    assert.deepEqual(JSON.parse(texts(events)), {
      name: 'Ada Lovelace',
      born: 1815,
      fields: ['mathematics', 'computing'],
    });
    assert.equal(finish(events).reason, 'stop');
  });

  test('web search: a native item with its progress events, passed through as sent', async () => {
    const tools: Turn['tools'] = [{ type: 'web_search', search_context_size: 'medium' }];
    const { events, body } = await run(fixture('web-search'), turn({ tools }));
    assert.deepEqual(body.tools, tools);
    const wsId = 'ws_0a1f7c3e9b2d4e6f07b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5';
    assert.deepEqual(events.slice(0, 5), [
      {
        type: 'native-item-start',
        item: { id: wsId, type: 'web_search_call', status: 'in_progress', action: { type: 'search' } },
      },
      { type: 'native-item-event', itemId: wsId, event: { type: 'response.web_search_call.in_progress' } },
      { type: 'native-item-event', itemId: wsId, event: { type: 'response.web_search_call.searching' } },
      { type: 'native-item-event', itemId: wsId, event: { type: 'response.web_search_call.completed' } },
      {
        type: 'native-item',
        item: {
          id: wsId,
          type: 'web_search_call',
          status: 'completed',
          action: {
            type: 'search',
            query: 'positive news today',
            sources: [{ type: 'url', url: 'https://example.org/good-news' }],
          },
        },
      },
    ]);
    assert.equal(texts(events), 'A community garden opened in the city centre.');
    const annotations = events.filter((event) => event.type === 'text-annotation');
    assert.equal(annotations.length, 1, 'the url_citation passes through');
    assert.equal((annotations[0] as { annotation: { type: string } }).annotation.type, 'url_citation');
    assert.equal(finish(events).reason, 'stop');
  });

  test('incomplete for max_output_tokens finishes with length', async () => {
    const { events } = await run(fixture('incomplete'));
    assert.equal(texts(events), 'Once upon a time, there was a');
    assert.deepEqual(finish(events), { type: 'finish', reason: 'length' });
  });

  test('an upstream that skips deltas still delivers every item from output_item.done', async () => {
    const whole = fixture('function-call').body!;
    const body = whole
      .split('\n\n')
      .filter(
        (block) => !block.includes('function_call_arguments.delta') && !block.includes('output_item.added'),
      )
      .join('\n\n');
    const { events } = await run({ ...fixture('function-call'), body });
    const callId = 'call_Jk3mN8pQ2rS7tU1vW5xY9zA4';
    assert.deepEqual(events.slice(0, 3), [
      { type: 'tool-call-start', callId, name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId, delta: '{"location":"Paris, France","unit":"celsius"}' },
      { type: 'tool-call-end', callId },
    ]);
  });
});

describe('openai provider: faults', () => {
  test('response.failed after output ends with a finish error carrying the upstream reason', async () => {
    const { events } = await run(fixture('failed'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Let me think' });
    assert.deepEqual(events[1], {
      type: 'usage',
      usage: {
        inputTokens: 30,
        outputTokens: 4,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    });
    const end = finish(events);
    assert.equal(end.reason, 'error');
    assert.ok(end.error instanceof ApiError);
    assert.equal(end.error.status, 502);
    assert.equal(end.error.code, 'server_error');
    assert.match(end.error.message, /openai upstream failed: The model produced invalid content/);
  });

  test('response.failed before any output is thrown, so the request can be retried', async () => {
    const blocks = fixture('failed').body!.split('\n\n');
    const body = blocks
      .filter(
        (b) =>
          !b.includes('output_item.added') && !b.includes('content_part') && !b.includes('output_text.delta'),
      )
      .join('\n\n');
    const error = await thrown({ ...fixture('failed'), body });
    assert.equal(error.code, 'server_error');
    assert.equal(error.retryable, true);
  });

  test('an error event mid-stream ends with a finish error (a rate limit stays a 429)', async () => {
    const { events } = await run(fixture('error-event'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Partial' });
    const end = finish(events);
    assert.equal(end.reason, 'error');
    assert.equal(end.error?.status, 429);
    assert.equal(end.error?.code, 'rate_limit_exceeded');
  });

  test('HTTP 400 keeps its status, parameter and message', async () => {
    const error = await thrown(fixture('http-400'));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.param, 'input[1].content[0]');
    assert.equal(error.code, 'invalid_value');
    assert.match(error.message, /Invalid value: 'input_text'/);
  });

  test('HTTP 429 keeps the retry-after hint', async () => {
    const error = await thrown(fixture('http-429'));
    assert.equal(error.status, 429);
    assert.equal(error.type, 'rate_limit_error');
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.retryAfter, 7);
    assert.equal(error.retryable, true);
  });

  test('HTTP 500 becomes a retryable 502', async () => {
    const error = await thrown(fixture('http-500'));
    assert.equal(error.status, 502);
    assert.equal(error.type, 'upstream_error');
    assert.equal(error.retryable, true);
  });

  test('HTTP 401 shows neither the key nor the masked key OpenAI echoes', async () => {
    const error = await thrown(fixture('http-401'));
    assert.equal(error.status, 502);
    assert.equal(error.code, 'upstream_authentication_failed');
    assert.match(error.message, /Incorrect API key provided: \[redacted\]/);
  });

  test('an upstream that echoes the key itself does not leak it', async () => {
    const body = JSON.stringify({
      error: { message: `bad key ${KEY} for project`, type: 'invalid_request_error' },
    });
    const error = await thrown({ ...fixture('http-400'), body });
    assert.match(error.message, /bad key \[redacted\] for project/);
  });

  test('a connection reset mid-stream ends with a clean finish error', async () => {
    const { events } = await run(fixture('cut-stream'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'The quick' });
    const end = finish(events);
    assert.equal(end.reason, 'error');
    assert.equal(end.error?.status, 502);
    assert.equal(end.error?.code, 'upstream_unavailable');
    assertNoKey(end.error!);
  });

  test('a stream that ends without a terminal event ends with a finish error', async () => {
    const chunks = fixture('cut-stream').chunks!.slice(0, 6);
    const { events } = await run({ ...fixture('text'), body: chunks.join('') });
    assert.equal(texts(events), 'The quick brown fox');
    assert.equal(finish(events).error?.code, 'upstream_incomplete_stream');
  });

  test('malformed JSON after output ends with a finish error', async () => {
    const { events } = await run(fixture('malformed-json'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Fine so far' });
    const end = finish(events);
    assert.equal(end.error?.code, 'upstream_invalid_response');
    assert.equal(end.error?.status, 502);
  });

  test("the upstream response's lifecycle events, named so, are passed over unread", async () => {
    const served = fixture('text');
    const body = served.body!.replace(/(event: response\.created\ndata: ).*\n/, '$1{not json\n');
    assert.notEqual(body, served.body);
    assert.deepEqual((await run({ ...served, body })).events, (await run(served)).events);
  });

  test('malformed JSON before any output is thrown', async () => {
    const served = fixture('malformed-json');
    const error = await thrown({ ...served, chunks: served.chunks!.slice(-1) });
    assert.equal(error.code, 'upstream_invalid_response');
  });

  test('no answer within timeoutMs is a 504, not a hang', async () => {
    const error = await thrown(fixture('hang'), {
      timeouts: { connectMs: 300, firstByteMs: 300, idleMs: 300 },
    });
    assert.equal(error.status, 504);
    assert.equal(error.code, 'upstream_timeout');
  });

  test('a stream that stalls after its first delta ends with a timeout, not a hang', async () => {
    const { resetAfterChunks: _reset, ...stalled } = fixture('cut-stream');
    const { events } = await run({ ...stalled, hangAfterChunks: 5 }, turn(), {
      timeouts: { connectMs: 300, firstByteMs: 300, idleMs: 300 },
    });
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'The quick' });
    const end = finish(events);
    assert.equal(end.error?.status, 504);
    assert.equal(end.error?.code, 'upstream_timeout');
  });

  test('a refused connection is a retryable 502', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const error = await thrown(fixture('text'), { baseUrl: `http://127.0.0.1:${port}/v1` });
    assert.equal(error.status, 502);
    assert.equal(error.code, 'upstream_unavailable');
  });

  test('aborting the caller signal stops the stream with the caller reason', async () => {
    const { resetAfterChunks: _reset, ...paced } = fixture('cut-stream');
    route = () => ({ ...paced, chunkDelayMs: 50 });
    const controller = new AbortController();
    const reason = new Error('client went away');
    const seen: ModelEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of provider().generate(turn(), controller.signal)) {
          seen.push(event);
          controller.abort(reason);
        }
      })(),
      (error) => error === reason,
    );
    assert.deepEqual(seen, [{ type: 'text-delta', delta: 'The quick' }]);
  });
});

describe('openai provider: input tokens', () => {
  test('countInputTokens counts with the o200k tokenizer, without an upstream call', async () => {
    const seen = server.requests.length;
    const short = await provider().countInputTokens(turn({ instructions: 'Be brief.' }));
    // "Be brief." is 3 o200k tokens and "Hi" 1; each message's envelope 4, the reply's priming 3.
    assert.equal(short, 3 + 4 + 1 + 4 + 3);
    const long = await provider().countInputTokens(
      turn({
        instructions: 'Be brief.',
        items: [
          {
            type: 'message',
            id: 'm',
            role: 'user',
            content: [{ type: 'input_text', text: 'word '.repeat(1000) }],
          },
        ],
      }),
    );
    assert.ok(long > 1000 && long < 1100);
    assert.equal(server.requests.length, seen);
  });
});

describe('openai fixtures', () => {
  test("every recorded stream event validates against OpenAI's published schema", () => {
    const spec = JSON.parse(
      readFileSync(new URL('../../shared/openai-openapi/responses.openapi.json', import.meta.url), 'utf8'),
    ) as { components: { schemas: Record<string, { properties?: { type?: { enum?: string[] } } }> } };
    const ajv = new Ajv2020.default({ strict: false, validateFormats: false });
    ajv.addSchema(spec, 'spec');
    const root = spec.components.schemas.ResponseStreamEvent as { anyOf?: Array<{ $ref: string }> };
    const schemaFor = new Map<string, string>();
    for (const { $ref } of root.anyOf ?? []) {
      const name = $ref.split('/').at(-1)!;
      const type = spec.components.schemas[name]?.properties?.type?.enum?.[0];
      if (type) schemaFor.set(type, name);
    }
    let checked = 0;
    for (const file of readdirSync(fixturesDir).filter((f) => f.endsWith('.json'))) {
      const served = fixture(file.replace(/\.json$/, ''));
      assert.ok(served.provenance.length > 0, `${file} has no provenance`);
      if (!served.headers?.['content-type']?.includes('text/event-stream')) continue;
      for (const block of (served.body ?? served.chunks!.join('')).split('\n\n')) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        let event: { type: string; response?: Record<string, unknown> };
        try {
          event = JSON.parse(data.slice('data: '.length)) as typeof event;
        } catch {
          assert.equal(file, 'malformed-json.json', `${file} holds invalid JSON`);
          continue;
        }
        // The spec's documented defects: OpenAI sends `user: null` and `usage: null`, its schema allows neither.
        if (event.response?.user === null) delete event.response.user;
        if (event.response?.usage === null) delete event.response.usage;
        const name = schemaFor.get(event.type);
        assert.ok(name, `${file}: ${event.type} is not a documented event`);
        const validate = ajv.getSchema(`spec#/components/schemas/${name}`)!;
        assert.ok(validate(event), `${file}: ${event.type}: ${JSON.stringify(validate.errors)}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `only ${checked} events checked`);
  });
});

describe('openai provider through the engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-openai-'));
  const stores = openSqliteStores({ dataDir });
  const store = stores.responses;
  after(async () => {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function engine(): EngineContext {
    const upstream = provider();
    return {
      catalog: new Catalog([model], new Map([['openai', upstream]])),
      store,
      newId: randomId,
      now: Date.now,
      owner: 'owner-openai-test',
    };
  }

  async function respond(request: Partial<CreateResponseRequest>): Promise<Array<Record<string, unknown>>> {
    const started = await startResponse(
      { model: model.id, input: 'Hi', ...request } as CreateResponseRequest,
      engine(),
      new AbortController().signal,
    );
    const events: Array<Record<string, unknown>> = [];
    for await (const event of started.events) events.push(event as unknown as Record<string, unknown>);
    return events;
  }

  test('every recorded stream becomes a Responses stream the official SDK folds', async () => {
    const streams = [
      'text',
      'reasoning',
      'function-call',
      'parallel-function-calls',
      'custom-tool-call',
      'structured-output',
      'web-search',
      'incomplete',
      'failed',
      'error-event',
      'cut-stream',
      'malformed-json',
    ];
    const statuses: Record<string, unknown> = {};
    for (const name of streams) {
      route = () => fixture(name);
      const events = await respond({});
      const response = checkResponseStream(events);
      statuses[name] = response.status;
      const sdk = await replayThroughSdk(events, model.id);
      assert.equal(sdk.count, events.length, name);
      if (response.status !== 'completed') continue;
      // The SDK's stream helper adds `parsed` and `parsed_arguments` fields; the rest must match.
      const output = JSON.parse(
        JSON.stringify(sdk.final.output, (key, value) =>
          key === 'parsed' || key === 'parsed_arguments' ? undefined : value,
        ),
      );
      assert.deepEqual(output, response.output, name);
    }
    assert.deepEqual(statuses, {
      text: 'completed',
      reasoning: 'completed',
      'function-call': 'completed',
      'parallel-function-calls': 'completed',
      'custom-tool-call': 'completed',
      'structured-output': 'completed',
      'web-search': 'completed',
      incomplete: 'incomplete',
      failed: 'failed',
      'error-event': 'failed',
      'cut-stream': 'failed',
      'malformed-json': 'failed',
    });
  });

  test('previous_response_id sends the stored history with the reasoning OpenAI issued', async () => {
    route = () => fixture('reasoning');
    const first = await respond({ input: 'What is 17 times 23?' });
    const created = first[0] as { response: { id: string } };
    route = () => fixture('text');
    const seen = server.requests.length;
    await respond({ input: 'And 18 times 23?', previous_response_id: created.response.id });
    const body = server.requests[seen]!.json as { input: Array<Record<string, unknown>>; store: boolean };
    assert.equal(body.store, false);
    assert.deepEqual(
      body.input.map((item) => item.type),
      ['message', 'reasoning', 'message', 'message'],
    );
    assert.deepEqual(body.input[1], {
      type: 'reasoning',
      id: 'rs_0a1f7c3e9b2d4e6f02aa11bb22cc33dd44ee55ff66a7b8c9',
      summary: [
        {
          type: 'summary_text',
          text: '**Checking the arithmetic**\n\nThe user asks for 17 times 23.\n\n**Answering**\n\n17 x 23 = 391.',
        },
      ],
      encrypted_content:
        'gAAAAABpQ1Zx3kR9mT2vL8nYc4Wq7Eo1Hs6Ju0Ka5Pd_Zb9Xf2Gg3Ii4Nn8Mm1Oo-Rr7Ss5Tt0Uu6Vv9Ww2Xx4Yy8Zz3Aa1Bb5Cc7Dd9Ee0Ff2Gg4Hh6Ii8Jj==',
    });
    assert.ok(
      body.input.every((item) => item.type === 'reasoning' || !('id' in item)),
      'no Portico ids upstream',
    );
  });
});
