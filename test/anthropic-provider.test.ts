import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import type { Logger } from '../src/logger.ts';
import { AnthropicProvider } from '../src/providers/anthropic/anthropic-provider.ts';
import { decodeThinking, encodeThinking } from '../src/providers/anthropic/thinking-signature.ts';
import type { ModelEvent, Turn } from '../src/providers/provider.ts';
import { finishError, rejection } from './support/api-error-checks.ts';
import { checkFixturesThroughEngine } from './support/fixtures-through-engine.ts';
import { collect, providerTurn, userText } from './support/provider-turn.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';

const SECRET = 'sk-ant-test-portico-secret';

const model: CatalogModel = {
  id: 'anthropic/claude-sonnet-4-5',
  provider: 'anthropic',
  upstreamModel: 'claude-sonnet-4-5-20250929',
  task: 'Text Generation',
  ownedBy: 'Anthropic',
  proxied: true,
  contextWindow: 200000,
  capabilities: {
    tools: true,
    vision: true,
    structuredOutput: true,
    reasoningEfforts: ['low', 'medium', 'high'],
  },
};

function makeTurn(overrides: Partial<Turn> = {}): Turn {
  return providerTurn(model, overrides);
}

function fixture(name: string): Fixture {
  return loadFixture(new URL(`./fixtures/anthropic/${name}.json`, import.meta.url));
}

let server: ReplayServer;
let next: Fixture;
const warnings: unknown[] = [];
const logger: Logger = { info() {}, error() {}, warn: (_message, fields) => warnings.push(fields) };

function provider(timeoutMs = 5000): AnthropicProvider {
  return new AnthropicProvider({
    id: 'anthropic',
    baseUrl: server.url,
    apiKey: SECRET,
    headers: { 'anthropic-beta': 'fine-grained-tool-streaming-2025-05-14' },
    timeouts: { connectMs: timeoutMs, firstByteMs: timeoutMs, idleMs: timeoutMs },
    post: undiciPost,
    logger,
  });
}

async function run(name: string, turn = makeTurn()): Promise<ModelEvent[]> {
  next = fixture(name);
  return collect(provider().generate(turn, new AbortController().signal));
}

function lastBody(): Record<string, unknown> {
  return server.requests.at(-1)!.json as Record<string, unknown>;
}

before(async () => {
  server = await startReplayServer(() => next);
});
after(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  warnings.length = 0;
});

const signed = encodeThinking([
  { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig-1' },
  { type: 'redacted_thinking', data: 'opaque-1' },
]);

const weatherTool: Turn['tools'][number] = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('anthropic: request translation', () => {
  test('a multi-turn tool loop with thinking becomes one Messages request', async () => {
    const items: Item[] = [
      userText('Weather in Paris and Oslo? Here is a map.', 'msg_1'),
      {
        type: 'message',
        id: 'msg_1b',
        role: 'user',
        content: [
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
          { type: 'input_image', image_url: 'https://example.com/map.png', detail: 'auto' },
        ],
      },
      {
        type: 'message',
        id: 'msg_d',
        role: 'developer',
        content: [{ type: 'input_text', text: 'Be terse.' }],
      },
      { type: 'reasoning', id: 'rs_1', summary: [], content: [], encrypted_content: signed },
      {
        type: 'message',
        id: 'msg_2',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }],
      },
      {
        type: 'function_call',
        id: 'fc_1',
        call_id: 'toolu_A',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
      {
        type: 'function_call',
        id: 'fc_2',
        call_id: 'call.B',
        name: 'get_weather',
        arguments: '{"city":"Oslo"}',
      },
      { type: 'function_call_output', id: 'o_1', call_id: 'toolu_A', output: '18C' },
      {
        type: 'function_call_output',
        id: 'o_2',
        call_id: 'call.B',
        output: [{ type: 'input_text', text: '4C' }],
      },
    ];
    await run(
      'text',
      makeTurn({
        instructions: 'You are a weather bot.',
        items,
        tools: [weatherTool, { type: 'web_search' }],
        parallelToolCalls: false,
        reasoning: { effort: 'medium' },
        text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' } } },
        sampling: { maxOutputTokens: 16000, temperature: 0.3 },
      }),
    );
    const request = server.requests[0]!;
    assert.equal(request.url, '/v1/messages');
    assert.equal(request.headers['x-api-key'], SECRET);
    assert.equal(request.headers['anthropic-version'], '2023-06-01');
    assert.equal(request.headers['anthropic-beta'], 'fine-grained-tool-streaming-2025-05-14');
    assert.equal(request.headers.authorization, undefined);
    assert.deepEqual(request.json, {
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 16000,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris and Oslo? Here is a map.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/map.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig-1' },
            { type: 'redacted_thinking', data: 'opaque-1' },
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_B', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_A', content: '18C' },
            { type: 'tool_result', tool_use_id: 'call_B', content: [{ type: 'text', text: '4C' }] },
          ],
        },
      ],
      stream: true,
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      system: [
        { type: 'text', text: 'You are a weather bot.' },
        { type: 'text', text: 'Be terse.' },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 8192 },
    });
    const logged = JSON.stringify(warnings);
    assert.match(logged, /web_search/);
    assert.match(logged, /temperature/);
  });

  test('a forced tool turns thinking off; foreign reasoning is not sent; custom tools take one string', async () => {
    await run(
      'text',
      makeTurn({
        model: { ...model, maxOutputTokens: 64000 },
        items: [
          userText('Go'),
          { type: 'reasoning', id: 'rs_x', summary: [], encrypted_content: 'gAAAAABopenai-blob' },
          { type: 'custom_tool_call', id: 'c1', call_id: 'toolu_C', name: 'run_sql', input: 'SELECT 1;' },
          { type: 'custom_tool_call_output', id: 'c2', call_id: 'toolu_C', output: '1' },
        ],
        tools: [{ type: 'custom', name: 'run_sql' }],
        toolChoice: 'required',
        reasoning: { effort: 'high' },
        sampling: { temperature: 0.5, topP: 0.9, seed: 3 },
      }),
    );
    const body = lastBody();
    assert.equal(body.max_tokens, 64000);
    assert.equal(body.thinking, undefined);
    assert.deepEqual(body.tool_choice, { type: 'any' });
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, undefined);
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Go' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_C', name: 'run_sql', input: { input: 'SELECT 1;' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_C', content: '1' }] },
    ]);
    assert.deepEqual((body.tools as Array<{ input_schema: unknown }>)[0]!.input_schema, {
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
      required: ['input'],
      additionalProperties: false,
    });
    assert.match(JSON.stringify(warnings), /seed/);
  });

  test('thinking is off when the tool call being answered came without thinking', async () => {
    await run(
      'text',
      makeTurn({
        items: [
          userText('Go'),
          { type: 'function_call', id: 'f', call_id: 'toolu_1', name: 'get_weather', arguments: '{}' },
          { type: 'function_call_output', id: 'o', call_id: 'toolu_1', output: 'ok' },
        ],
        tools: [weatherTool],
        reasoning: { effort: 'low' },
      }),
    );
    assert.equal(lastBody().thinking, undefined);
  });

  test('effort maps to a budget below max_tokens, or to no thinking when it cannot fit', async () => {
    await run('text', makeTurn({ reasoning: { effort: 'high' } }));
    assert.equal(lastBody().max_tokens, 16384 + 4096);
    assert.deepEqual(lastBody().thinking, { type: 'enabled', budget_tokens: 16384 });

    await run('text', makeTurn({ reasoning: { effort: 'xhigh' }, sampling: { maxOutputTokens: 5000 } }));
    assert.deepEqual(lastBody().thinking, { type: 'enabled', budget_tokens: 4999 });

    await run('text', makeTurn({ reasoning: { effort: 'low' }, sampling: { maxOutputTokens: 800 } }));
    assert.equal(lastBody().thinking, undefined);
    assert.equal(lastBody().max_tokens, 800);

    await run('text', makeTurn({ reasoning: { effort: 'none' } }));
    assert.equal(lastBody().thinking, undefined);
    assert.equal(lastBody().max_tokens, 4096);
  });

  test('json_object is asked for in the system prompt', async () => {
    await run('structured-output', makeTurn({ text: { format: { type: 'json_object' } } }));
    assert.deepEqual(lastBody().system, [
      { type: 'text', text: 'Answer with a single JSON object and nothing else.' },
    ]);
  });
});

describe('anthropic: stream translation', () => {
  test('text, with cache reads and writes in the usage', async () => {
    assert.deepEqual(await run('text'), [
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: ', Ada!' },
      {
        type: 'usage',
        usage: {
          inputTokens: 12 + 2048 + 300,
          outputTokens: 6,
          cachedInputTokens: 2048,
          cacheWriteTokens: 300,
        },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('tool_use streams as a tool call', async () => {
    const events = await run('tool-use');
    assert.deepEqual(events.slice(0, -2), [
      { type: 'text-delta', delta: 'Let me check.' },
      {
        type: 'tool-call-start',
        callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'get_weather',
        kind: 'function',
      },
      { type: 'tool-call-delta', callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', delta: '{"city":' },
      { type: 'tool-call-delta', callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', delta: ' "Paris"}' },
      { type: 'tool-call-end', callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' },
    ]);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool-calls' });
  });

  test('parallel tool_use blocks are two calls', async () => {
    const events = await run('parallel-tool-use');
    const starts = events.filter((e) => e.type === 'tool-call-start').map((e) => e.callId);
    const ends = events.filter((e) => e.type === 'tool-call-end').map((e) => e.callId);
    assert.deepEqual(starts, ['toolu_A', 'toolu_B']);
    assert.deepEqual(ends, ['toolu_A', 'toolu_B']);
  });

  test('thinking streams as reasoning and keeps its signature for the next turn', async () => {
    const events = await run('thinking');
    assert.deepEqual(events.slice(0, 2), [
      { type: 'reasoning-delta', delta: '6 times 7', part: 'content' },
      { type: 'reasoning-delta', delta: ' is 42.', part: 'content' },
    ]);
    const encrypted = events.filter((e) => e.type === 'reasoning-encrypted').map((e) => e.encryptedContent);
    assert.equal(encrypted.length, 2);
    assert.deepEqual(decodeThinking(encrypted.at(-1)), [
      {
        type: 'thinking',
        thinking: '6 times 7 is 42.',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
      },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
    ]);
    assert.deepEqual(events.slice(4), [
      { type: 'text-delta', delta: '42' },
      {
        type: 'usage',
        usage: { inputTokens: 40, outputTokens: 120, cachedInputTokens: 0, cacheWriteTokens: 0 },
      },
      { type: 'finish', reason: 'stop' },
    ]);

    // The reasoning item the engine stores goes back upstream as the same blocks.
    await run(
      'text',
      makeTurn({
        reasoning: { effort: 'low' },
        items: [
          userText('6*7?'),
          { type: 'reasoning', id: 'rs', summary: [], encrypted_content: encrypted.at(-1)! },
          {
            type: 'message',
            id: 'm',
            role: 'assistant',
            content: [{ type: 'output_text', text: '42', annotations: [], logprobs: [] }],
          },
          userText('Thanks', 'msg_u2'),
        ],
      }),
    );
    const messages = lastBody().messages as Array<{ content: Array<{ type: string }> }>;
    assert.deepEqual(
      messages[1]!.content.map((b) => b.type),
      ['thinking', 'redacted_thinking', 'text'],
    );
  });

  test('structured output streams as text', async () => {
    const events = await run('structured-output');
    const text = events.flatMap((e) => (e.type === 'text-delta' ? [e.delta] : [])).join('');
    assert.deepEqual(JSON.parse(text), { name: 'Ada', born: 1815 });
  });

  test('a custom tool call comes back as its raw input', async () => {
    const events = await run('custom-tool-use', makeTurn({ tools: [{ type: 'custom', name: 'run_sql' }] }));
    assert.deepEqual(events.slice(0, 3), [
      { type: 'tool-call-start', callId: 'toolu_C', name: 'run_sql', kind: 'custom' },
      { type: 'tool-call-delta', callId: 'toolu_C', delta: 'SELECT 1;' },
      { type: 'tool-call-end', callId: 'toolu_C' },
    ]);
  });

  test('a tool input sent whole in content_block_start (compatible servers) is not lost', async () => {
    const event = (data: object): string =>
      `event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`;
    next = {
      provenance:
        'Written for this test: the documented event sequence with the tool input in content_block_start.',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      chunks: [
        event({ type: 'message_start', message: { usage: { input_tokens: 3, output_tokens: 1 } } }),
        event({
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 'toolu_W', name: 'get_weather', input: { city: 'Rome' } },
        }),
        event({ type: 'content_block_stop', index: 0 }),
        event({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
        event({ type: 'message_stop' }),
      ],
    };
    const events = await collect(provider().generate(makeTurn(), new AbortController().signal));
    assert.deepEqual(events.slice(0, 3), [
      { type: 'tool-call-start', callId: 'toolu_W', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'toolu_W', delta: '{"city":"Rome"}' },
      { type: 'tool-call-end', callId: 'toolu_W' },
    ]);
  });

  test('max_tokens and refusal stop reasons keep their meaning', async () => {
    assert.deepEqual((await run('max-tokens')).at(-1), { type: 'finish', reason: 'length' });
    assert.deepEqual((await run('refusal')).at(-1), { type: 'finish', reason: 'content-filter' });
  });
});

describe('anthropic: faults', () => {
  test('400 keeps its status and message', async () => {
    const error = await rejection(run('error-400'));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_request_error');
    assert.match(error.message, /roles must alternate/);
  });

  test('429 keeps the retry hint', async () => {
    const error = await rejection(run('error-429'));
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 12);
  });

  test('500 and 529 (overloaded) become retryable 502s', async () => {
    for (const name of ['error-500', 'error-529']) {
      const error = await rejection(run(name));
      assert.equal(error.status, 502, name);
      assert.equal(error.retryable, true, name);
    }
  });

  test('an error event after the 200 ends the stream with that error', async () => {
    const events = await run('stream-error');
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Part' });
    const error = finishError(events);
    assert.match(error.message, /Overloaded/);
    assert.equal(error.retryable, true);
  });

  test('a connection reset mid-stream ends with an error finish', async () => {
    const events = await run('cut-midway');
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'The first half' });
    assert.equal(finishError(events).code, 'upstream_unavailable');
  });

  test('malformed JSON mid-stream ends with an error finish', async () => {
    const events = await run('malformed-json');
    assert.equal(events.length, 2);
    assert.equal(finishError(events).code, 'upstream_invalid_response');
  });

  test('a stream that ends before message_stop is an error', async () => {
    assert.equal(finishError(await run('ends-without-stop')).code, 'upstream_incomplete_stream');
  });

  test('no first byte within the timeout is a 504', async () => {
    next = { provenance: 'An upstream that accepts the request and never answers.', status: 200, hang: true };
    const error = await rejection(collect(provider(100).generate(makeTurn(), new AbortController().signal)));
    assert.equal(error.code, 'upstream_timeout');
    assert.equal(error.message.includes(SECRET), false);
  });
});

describe('anthropic: through the engine', () => {
  test('every recorded stream reaches a client as a valid Responses stream or a clean HTTP error', async () => {
    const seen = await checkFixturesThroughEngine({
      dir: 'anthropic',
      upstream: provider(300),
      served: model,
      serve: (recorded) => (next = recorded),
    });
    assert.deepEqual(seen, [
      'answer-max-tokens.json: incomplete',
      'answer-text.json: completed',
      'answer-thinking.json: completed',
      'answer-tool-use.json: completed',
      'custom-tool-use.json: completed',
      'cut-midway.json: failed',
      'ends-without-stop.json: failed',
      'error-400.json: 400',
      'error-429.json: 429',
      'error-500.json: 502',
      'error-529.json: 502',
      'malformed-json.json: failed',
      'max-tokens.json: incomplete',
      'parallel-tool-use.json: completed',
      'refusal.json: incomplete',
      'stream-error.json: failed',
      'structured-output.json: completed',
      'text.json: completed',
      'thinking.json: completed',
      'tool-use.json: completed',
    ]);
  });
});
