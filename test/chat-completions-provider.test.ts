import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { ChatCompletionsProvider } from '../src/providers/chat-completions/chat-completions-provider.ts';
import { CHAT_PRESETS } from '../src/providers/chat-completions/presets.ts';
import type { ModelEvent, Turn } from '../src/providers/provider.ts';
import { finishError, rejection } from './support/api-error-checks.ts';
import { checkFixturesThroughEngine } from './support/fixtures-through-engine.ts';
import { collect, providerTurn, userText } from './support/provider-turn.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';

const SECRET = 'sk-test-portico-secret';

const model: CatalogModel = {
  id: 'vllm/qwen3-8b',
  provider: 'vllm',
  upstreamModel: 'Qwen/Qwen3-8B',
  task: 'Text Generation',
  ownedBy: 'Qwen',
  proxied: true,
  contextWindow: 32768,
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
  return loadFixture(new URL(`./fixtures/chat-completions/${name}.json`, import.meta.url));
}

let server: ReplayServer;
let next: Fixture;

function provider(preset?: string, timeoutMs = 5000): ChatCompletionsProvider {
  let ids = 0;
  return new ChatCompletionsProvider({
    id: 'vllm',
    baseUrl: `${server.url}/v1/`,
    apiKey: SECRET,
    headers: { 'x-extra': 'yes' },
    timeouts: { connectMs: timeoutMs, firstByteMs: timeoutMs, idleMs: timeoutMs },
    post: undiciPost,
    newCallId: () => `call_gen${++ids}`,
    ...(preset ? { preset } : {}),
  });
}

async function run(name: string, turn = makeTurn(), preset?: string): Promise<ModelEvent[]> {
  next = fixture(name);
  return collect(provider(preset).generate(turn, new AbortController().signal));
}

before(async () => {
  server = await startReplayServer(() => next);
});
after(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe('chat-completions: request translation', () => {
  const history: Item[] = [
    { type: 'message', id: 'msg_d', role: 'developer', content: [{ type: 'input_text', text: 'Be terse.' }] },
    {
      type: 'message',
      id: 'msg_1',
      role: 'user',
      content: [
        { type: 'input_text', text: 'Weather in these two cities?' },
        { type: 'input_image', image_url: 'https://example.com/map.png', detail: 'high' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'original' },
      ],
    },
    { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Two calls.' }] },
    {
      type: 'message',
      id: 'msg_2',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }],
    },
    {
      type: 'function_call',
      id: 'fc_1',
      call_id: 'call_A',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    },
    {
      type: 'function_call',
      id: 'fc_2',
      call_id: 'call_B',
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    },
    { type: 'function_call_output', id: 'fco_1', call_id: 'call_A', output: '18C, sunny' },
    {
      type: 'function_call_output',
      id: 'fco_2',
      call_id: 'call_B',
      output: [{ type: 'input_text', text: '4C, snow' }],
    },
    { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_C', name: 'run_sql', input: 'SELECT 1;' },
    { type: 'custom_tool_call_output', id: 'ctco_1', call_id: 'call_C', output: '1' },
    { type: 'web_search_call', id: 'ws_1', status: 'completed' },
    userText('Summarize as JSON.', 'msg_3'),
  ];
  const turn = makeTurn({
    instructions: 'You are a weather bot.',
    items: history,
    tools: [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Current weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
      {
        type: 'custom',
        name: 'run_sql',
        description: 'Runs SQL',
        format: { type: 'grammar', syntax: 'regex', definition: '^SELECT .*;$' },
      },
      { type: 'web_search' },
    ],
    toolChoice: { type: 'function', name: 'get_weather' },
    parallelToolCalls: false,
    text: {
      format: {
        type: 'json_schema',
        name: 'summary',
        schema: { type: 'object', properties: { text: { type: 'string' } } },
        strict: true,
      },
    },
    reasoning: { effort: 'high' },
    sampling: { maxOutputTokens: 300, temperature: 0.2, topP: 0.9, seed: 7 },
  });

  test('a multi-turn turn becomes one Chat Completions request', async () => {
    await run('text', turn);
    const request = server.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/chat/completions');
    assert.equal(request.headers.authorization, `Bearer ${SECRET}`);
    assert.equal(request.headers['x-extra'], 'yes');
    assert.deepEqual(request.json, {
      model: 'Qwen/Qwen3-8B',
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'system', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in these two cities?' },
            { type: 'image_url', image_url: { url: 'https://example.com/map.png', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            {
              id: 'call_A',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            {
              id: 'call_B',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_A', content: '18C, sunny' },
        { role: 'tool', tool_call_id: 'call_B', content: '4C, snow' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_C',
              type: 'function',
              function: { name: 'run_sql', arguments: '{"input":"SELECT 1;"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_C', content: '1' },
        { role: 'user', content: 'Summarize as JSON.' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            strict: true,
          },
        },
        {
          type: 'function',
          function: {
            name: 'run_sql',
            description: 'Runs SQL\n\nThe input must match this regex grammar:\n^SELECT .*;$',
            parameters: {
              type: 'object',
              properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
              required: ['input'],
              additionalProperties: false,
            },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'summary',
          schema: { type: 'object', properties: { text: { type: 'string' } } },
          strict: true,
        },
      },
      reasoning_effort: 'high',
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
    });
  });

  test('presets shape roles, the token limit and the reasoning effort', async () => {
    await run('text', turn, 'openai');
    const openai = server.requests[0]!.json as { messages: Array<{ role: string }> };
    assert.deepEqual(
      openai.messages.slice(0, 2).map((m) => m.role),
      ['developer', 'developer'],
    );

    await run('text', turn, 'ollama');
    const ollama = server.requests[1]!.json as Record<string, unknown>;
    assert.equal(ollama.max_tokens, 300);
    assert.equal('max_completion_tokens' in ollama, false);

    await run('text', turn, 'openrouter');
    const openrouter = server.requests[2]!.json as Record<string, unknown>;
    assert.deepEqual(openrouter.reasoning, { effort: 'high' });
    assert.equal('reasoning_effort' in openrouter, false);

    await run('text', makeTurn({ reasoning: { effort: 'low' }, text: { verbosity: 'low' } }), 'deepseek');
    const deepseek = server.requests[3]!.json as Record<string, unknown>;
    assert.equal('reasoning_effort' in deepseek, false);
    assert.equal('verbosity' in deepseek, false);
  });

  test('allowed_tools filters the list; tool fields are left out without tools', async () => {
    const tools: Turn['tools'] = [
      { type: 'function', name: 'a', parameters: null },
      { type: 'function', name: 'b' },
    ];
    await run(
      'text',
      makeTurn({
        tools,
        toolChoice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'b' }] },
      }),
    );
    const filtered = server.requests[0]!.json as Record<string, unknown>;
    assert.deepEqual(filtered.tools, [
      { type: 'function', function: { name: 'b', parameters: { type: 'object', properties: {} } } },
    ]);
    assert.equal(filtered.tool_choice, 'required');
    assert.equal(filtered.parallel_tool_calls, true);

    await run('text', makeTurn({ toolChoice: 'none' }));
    const none = server.requests[1]!.json as Record<string, unknown>;
    for (const field of ['tools', 'tool_choice', 'parallel_tool_calls'])
      assert.equal(field in none, false, field);
  });

  test('json_object becomes response_format json_object', async () => {
    await run('structured-output', makeTurn({ text: { format: { type: 'json_object' } } }));
    assert.deepEqual((server.requests[0]!.json as Record<string, unknown>).response_format, {
      type: 'json_object',
    });
  });

  test('an image by file_id is refused before anything is sent', async () => {
    const items: Item[] = [
      {
        type: 'message',
        id: 'm',
        role: 'user',
        content: [{ type: 'input_image', file_id: 'file_1', detail: 'auto' }],
      },
    ];
    const error = await rejection(run('text', makeTurn({ items })));
    assert.equal(error.status, 400);
    assert.equal(server.requests.length, 0);
  });

  test('the registry builds every preset in the table', () => {
    for (const name of CHAT_PRESETS.keys()) assert.equal(provider(name).preset.name, name);
    assert.throws(() => provider('no-such-preset'), /Unknown chat-completions preset/);
  });
});

describe('chat-completions: stream translation', () => {
  test('text, with usage and cached tokens', async () => {
    assert.deepEqual(await run('text'), [
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: ', Ada' },
      { type: 'text-delta', delta: '!' },
      {
        type: 'usage',
        usage: { inputTokens: 21, outputTokens: 4, cachedInputTokens: 16, reasoningTokens: 0 },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('a tool call streams its arguments by index', async () => {
    assert.deepEqual(await run('tool-call'), [
      { type: 'tool-call-start', callId: 'call_W31x9', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_W31x9', delta: '{"city":' },
      { type: 'tool-call-delta', callId: 'call_W31x9', delta: ' "Paris"}' },
      { type: 'tool-call-end', callId: 'call_W31x9' },
      {
        type: 'usage',
        usage: { inputTokens: 80, outputTokens: 18, cachedInputTokens: 0, reasoningTokens: 0 },
      },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  test('parallel tool calls stay apart, after the text', async () => {
    const events = await run('parallel-tool-calls');
    assert.deepEqual(events.slice(0, -2), [
      { type: 'text-delta', delta: 'Checking both.' },
      { type: 'tool-call-start', callId: 'call_A', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_A', delta: '{"city":"Paris"}' },
      { type: 'tool-call-start', callId: 'call_B', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_B', delta: '{"city":' },
      { type: 'tool-call-delta', callId: 'call_B', delta: '"Oslo"}' },
      { type: 'tool-call-end', callId: 'call_A' },
      { type: 'tool-call-end', callId: 'call_B' },
    ]);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool-calls' });
  });

  test('reasoning_content streams as reasoning before the answer', async () => {
    assert.deepEqual(await run('reasoning-content'), [
      { type: 'reasoning-delta', delta: 'The user wants 6*7.', part: 'content' },
      { type: 'reasoning-delta', delta: ' That is 42.', part: 'content' },
      { type: 'text-delta', delta: '42' },
      {
        type: 'usage',
        usage: { inputTokens: 12, outputTokens: 30, cachedInputTokens: 0, reasoningTokens: 26 },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('a `reasoning` field streams as reasoning too (Ollama, OpenRouter)', async () => {
    for (const preset of ['ollama', undefined]) {
      assert.deepEqual(await run('reasoning-field', makeTurn(), preset), [
        { type: 'reasoning-delta', delta: 'Short thought.', part: 'content' },
        { type: 'text-delta', delta: 'Done.' },
        { type: 'usage', usage: { inputTokens: 9, outputTokens: 7 } },
        { type: 'finish', reason: 'stop' },
      ]);
    }
  });

  test('structured output streams as text', async () => {
    const events = await run('structured-output');
    const text = events.flatMap((e) => (e.type === 'text-delta' ? [e.delta] : [])).join('');
    assert.deepEqual(JSON.parse(text), { name: 'Ada', born: 1815 });
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
  });

  test('a custom tool call comes back as its raw input', async () => {
    const turn = makeTurn({ tools: [{ type: 'custom', name: 'run_sql' }] });
    assert.deepEqual(await run('custom-tool-call', turn), [
      { type: 'tool-call-start', callId: 'call_C1', name: 'run_sql', kind: 'custom' },
      { type: 'tool-call-delta', callId: 'call_C1', delta: 'SELECT "name" FROM t;\n' },
      { type: 'tool-call-end', callId: 'call_C1' },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  test('refusals and length limits keep their meaning', async () => {
    assert.deepEqual(await run('refusal'), [
      { type: 'refusal-delta', delta: "I can't help with that." },
      { type: 'finish', reason: 'content-filter' },
    ]);
    assert.deepEqual((await run('length')).at(-1), { type: 'finish', reason: 'length' });
  });
});

describe('chat-completions: faults', () => {
  test('400 keeps its status, message and parameter', async () => {
    const error = await rejection(run('error-400'));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.param, 'messages[1].content');
    assert.match(error.message, /expected a string/);
  });

  test('429 keeps the retry hint', async () => {
    const error = await rejection(run('error-429'));
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 7);
    assert.equal(error.retryable, true);
  });

  test('500 becomes a retryable 502', async () => {
    const error = await rejection(run('error-500'));
    assert.equal(error.status, 502);
    assert.equal(error.retryable, true);
  });

  test('an echoed key never reaches the error', async () => {
    const error = await rejection(run('error-401-echo'));
    assert.equal(error.message.includes(SECRET), false);
    assert.match(error.message, /\[redacted\]/);
  });

  test('a connection reset mid-stream ends with an error finish', async () => {
    const events = await run('cut-midway');
    assert.deepEqual(events.slice(0, 2), [
      { type: 'text-delta', delta: 'The first' },
      { type: 'text-delta', delta: ' half' },
    ]);
    assert.equal(finishError(events).code, 'upstream_unavailable');
  });

  test('malformed JSON mid-stream ends with an error finish; before any event it throws', async () => {
    const events = await run('malformed-json');
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Fine so far' });
    assert.equal(events.length, 2);
    assert.equal(finishError(events).code, 'upstream_invalid_response');

    const error = await rejection(run('malformed-first'));
    assert.equal(error.code, 'upstream_invalid_response');
  });

  test('a stream that ends without a finish reason is an error', async () => {
    const events = await run('ends-without-finish');
    assert.equal(finishError(events).code, 'upstream_incomplete_stream');
  });

  test('a server that holds the stream open after its usage chunk still finishes', async () => {
    assert.deepEqual(await run('finish-then-stall'), [
      { type: 'text-delta', delta: 'Done' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 1, cachedInputTokens: 0, reasoningTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('an error reported inside the stream ends it with that error', async () => {
    const error = finishError(await run('mid-stream-error'));
    assert.match(error.message, /Provider disconnected/);
    assert.equal(error.status, 502);
  });

  test('no first byte within the timeout is a 504', async () => {
    next = fixture('hang');
    const error = await rejection(
      collect(provider(undefined, 100).generate(makeTurn(), new AbortController().signal)),
    );
    assert.equal(error.status, 504);
    assert.equal(error.code, 'upstream_timeout');
  });

  test('a stream that stalls after its first events times out instead of hanging', async () => {
    next = fixture('stall-midway');
    const events = await collect(provider(undefined, 200).generate(makeTurn(), new AbortController().signal));
    assert.equal(events[0]?.type, 'text-delta');
    assert.equal(finishError(events).code, 'upstream_timeout');
  });

  test('an unreachable upstream is a 502', async () => {
    const closed = await startReplayServer(() => next);
    await closed.close();
    const unreachable = new ChatCompletionsProvider({
      id: 'vllm',
      baseUrl: closed.url,
      apiKey: SECRET,
      headers: {},
      timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000 },
      post: undiciPost,
    });
    const error = await rejection(collect(unreachable.generate(makeTurn(), new AbortController().signal)));
    assert.equal(error.status, 502);
    assert.equal(error.code, 'upstream_unavailable');
  });

  test("the caller's abort stops a stalled stream with the abort reason", async () => {
    next = fixture('stall-midway');
    const controller = new AbortController();
    const events: ModelEvent[] = [];
    const reason = new Error('client left');
    await assert.rejects(
      (async () => {
        for await (const event of provider(undefined, 60_000).generate(makeTurn(), controller.signal)) {
          events.push(event);
          controller.abort(reason);
        }
      })(),
      (error) => error === reason,
    );
    assert.equal(events.length, 1);
  });
});

describe('chat-completions: through the engine', () => {
  test('every recorded stream reaches a client as a valid Responses stream or a clean HTTP error', async () => {
    const seen = await checkFixturesThroughEngine({
      dir: 'chat-completions',
      upstream: provider(undefined, 300),
      served: model,
      serve: (recorded) => (next = recorded),
    });
    assert.deepEqual(seen, [
      'answer-length.json: incomplete',
      'answer-text.json: completed',
      'answer-tool-call.json: completed',
      'custom-tool-call.json: completed',
      'cut-midway.json: failed',
      'ends-without-finish.json: failed',
      'error-400.json: 400',
      'error-401-echo.json: 502',
      'error-429.json: 429',
      'error-500.json: 502',
      'finish-then-stall.json: completed',
      'hang.json: 504',
      'length.json: incomplete',
      'malformed-first.json: 502',
      'malformed-json.json: failed',
      'mid-stream-error.json: failed',
      'parallel-tool-calls.json: completed',
      'reasoning-content.json: completed',
      'reasoning-field.json: completed',
      'refusal.json: incomplete',
      'stall-midway.json: failed',
      'structured-output.json: completed',
      'text.json: completed',
      'tool-call.json: completed',
    ]);
  });
});
