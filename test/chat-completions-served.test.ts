import { serve, type ServerType } from '@hono/node-server';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { ChatCompletionRequest, type ChatStreamItem } from '../src/api/chat-completions.ts';
import { ApiError, badRequest } from '../src/api/errors.ts';
import { CreateResponseRequest, parseBody } from '../src/api/request.ts';
import type { OutputItem, ResponseObject } from '../src/api/response.ts';
import type { ResponseStreamEvent, ResponseStreamEventBody } from '../src/api/stream-events.ts';
import { ChatChunkTranslator } from '../src/formats/chat/chat-chunk-translator.ts';
import { chatParam } from '../src/formats/chat/map-error-param.ts';
import { toChatCompletion } from '../src/formats/chat/to-chat-completion.ts';
import { toResponseRequest } from '../src/formats/chat/to-response-request.ts';
import { initialResponse } from '../src/engine/initial-response.ts';
import { silentLogger } from '../src/logger.ts';
import type { ModelEvent, Provider, Turn } from '../src/providers/provider.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { createApp } from '../src/server/app.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';
import { scriptedModel, ScriptedProvider } from './support/scripted-provider.ts';

/** Reads a Chat Completions stream strictly: `data:` lines only, ending in `data: [DONE]`. */
async function readChatStream(body: ReadableStream<Uint8Array>) {
  const text = await new Response(body).text();
  assert.ok(text.endsWith('\n\n'), 'every event ends with a blank line');
  const blocks = text.slice(0, -2).split('\n\n');
  const items: Array<Record<string, unknown>> = [];
  let done = false;
  for (const block of blocks) {
    assert.ok(!done, 'nothing follows [DONE]');
    assert.ok(/^data: [^\n]*$/.test(block), `one data line per event, no event names: ${block}`);
    if (block === 'data: [DONE]') done = true;
    else items.push(JSON.parse(block.slice(6)) as Record<string, unknown>);
  }
  return { items, done };
}

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

/** The two function calls this file's examples make, as Chat Completions writes them. */
const chatToolCalls = [
  { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
  { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
];

/** The keys of a chat.completion object, sorted. */
const COMPLETION_KEYS = ['choices', 'created', 'id', 'model', 'object', 'usage'];

async function postJson(baseUrl: string, body: unknown) {
  return fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// ---------------------------------------------------------------------------------------------
// The translation, both ways, without a server.

describe('a chat request as a Responses request', () => {
  const chat = parseBody(ChatCompletionRequest, {
    model: 'test/scripted',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather and time in this city?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'https://example.com/paris.png' } },
        ],
        name: 'ada',
      },
      {
        role: 'assistant',
        content: 'Checking.',
        refusal: null,
        tool_calls: chatToolCalls,
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'Sunny' },
      { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '12:00' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_c', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
      },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather now',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object' }, strict: true } },
    ],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
    },
    max_tokens: 64,
    temperature: 0.5,
    top_p: 0.9,
    seed: 7,
    reasoning_effort: 'low',
    metadata: { team: 'portico' },
    user: 'u-1',
  });
  const { request, origins } = toResponseRequest(chat);

  test('maps every message, tool, setting and limit', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(request)), {
      model: 'test/scripted',
      store: false,
      input: [
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'You are terse.' }] },
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Answer in French.' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather and time in this city?' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
            { type: 'input_image', image_url: 'https://example.com/paris.png', detail: 'auto' },
          ],
        },
        { type: 'message', role: 'assistant', content: 'Checking.' },
        { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_b', name: 'get_time', arguments: '{"tz":"CET"}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'Sunny' },
        { type: 'function_call_output', call_id: 'call_b', output: '12:00' },
        { type: 'function_call', call_id: 'call_c', name: 'get_time', arguments: '{}' },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather now',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          strict: false,
        },
        { type: 'function', name: 'get_time', parameters: { type: 'object' }, strict: true },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low' },
      max_output_tokens: 64,
      temperature: 0.5,
      top_p: 0.9,
      seed: 7,
      metadata: { team: 'portico' },
      user: 'u-1',
    });
  });

  test('the result is a valid CreateResponse, by Portico and by the published schema', () => {
    const wire = JSON.parse(JSON.stringify(request)) as Record<string, unknown>;
    assert.doesNotThrow(() => parseBody(CreateResponseRequest, wire));
    // The published CreateResponse cannot validate typed messages whole (its InputItem oneOf
    // matches them twice), so the items are checked one by one against their own schemas.
    assertMatchesSchema('CreateResponse', { ...wire, input: '' });
    for (const item of request.input as Array<{ type: string; role?: string }>) {
      const schema =
        item.type === 'function_call'
          ? 'FunctionToolCall'
          : item.type === 'function_call_output'
            ? 'FunctionCallOutputItemParam'
            : item.role === 'assistant'
              ? 'EasyInputMessage'
              : 'InputMessage';
      assertMatchesSchema(schema, JSON.parse(JSON.stringify(item)));
    }
  });

  test('engine errors name the chat parameter that was sent', () => {
    assert.equal(chatParam('input[2].content[1]', chat, origins), 'messages[2].content[1]');
    assert.equal(
      chatParam('input[5].arguments', chat, origins),
      'messages[3].tool_calls[1].function.arguments',
    );
    assert.equal(chatParam('input[6].call_id', chat, origins), 'messages[4].tool_call_id');
    assert.equal(chatParam('input[8]', chat, origins), 'messages[6].tool_calls[0]');
    assert.equal(chatParam('text.format.schema', chat, origins), 'response_format.json_schema.schema');
    assert.equal(chatParam('tools[1].parameters', chat, origins), 'tools[1].function.parameters');
    assert.equal(chatParam('tool_choice.name', chat, origins), 'tool_choice.function.name');
    assert.equal(chatParam('max_output_tokens', chat, origins), 'max_tokens');
    assert.equal(chatParam('reasoning.effort', chat, origins), 'reasoning_effort');
    assert.equal(chatParam('model', chat, origins), 'model');
  });

  test('json_object, verbosity, max_completion_tokens and plain strings', () => {
    const { request: plain } = toResponseRequest(
      parseBody(ChatCompletionRequest, {
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        response_format: { type: 'json_object' },
        verbosity: 'low',
        max_completion_tokens: 9,
        prompt_cache_retention: 'in-memory',
      }),
    );
    assert.deepEqual(plain.input, [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
    ]);
    assert.deepEqual(plain.text, { format: { type: 'json_object' }, verbosity: 'low' });
    assert.equal(plain.max_output_tokens, 9);
    assert.equal(plain.prompt_cache_retention, 'in_memory');
    assert.equal(plain.store, false);
  });
});

const CREATED = 1_760_000_000;

function responseWith(patch: Partial<ResponseObject>): ResponseObject {
  const request = parseBody(CreateResponseRequest, { model: 'test/scripted', input: 'hi', store: false });
  return { ...initialResponse('resp_abc', CREATED, 'test/scripted', request), ...patch };
}

const message: OutputItem = {
  type: 'message',
  id: 'msg_1',
  role: 'assistant',
  status: 'completed',
  content: [{ type: 'output_text', text: 'Hello there', annotations: [], logprobs: [] }],
};
const weather: OutputItem = {
  type: 'function_call',
  id: 'fc_1',
  call_id: 'call_a',
  name: 'get_weather',
  arguments: '{"city":"Paris"}',
  status: 'completed',
};
const time: OutputItem = {
  type: 'function_call',
  id: 'fc_2',
  call_id: 'call_b',
  name: 'get_time',
  arguments: '{"tz":"CET"}',
  status: 'completed',
};
const usage = {
  input_tokens: 12,
  input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 },
  output_tokens: 20,
  output_tokens_details: { reasoning_tokens: 3 },
  total_tokens: 32,
};

/** `usage`, as Chat Completions reports it. */
const chatUsage = {
  prompt_tokens: 12,
  completion_tokens: 20,
  total_tokens: 32,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 3 },
};

/** Text, reasoning and two function calls (the second with no argument deltas), as the engine emits them. */
function scriptedEvents(): ResponseStreamEvent[] {
  const inProgress = responseWith({});
  const scoped = (item_id: string, output_index: number) => ({ item_id, output_index });
  const bodies: ResponseStreamEventBody[] = [
    { type: 'response.created', response: inProgress },
    { type: 'response.in_progress', response: inProgress },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'reasoning', id: 'rs_1', summary: [] },
    },
    { type: 'response.reasoning_text.delta', ...scoped('rs_1', 0), content_index: 0, delta: 'Two calls.' },
    {
      type: 'response.output_item.added',
      output_index: 1,
      item: { ...message, status: 'in_progress', content: [] } as OutputItem,
    },
    {
      type: 'response.output_text.delta',
      ...scoped('msg_1', 1),
      content_index: 0,
      delta: 'Hello',
      logprobs: [],
    },
    {
      type: 'response.output_text.delta',
      ...scoped('msg_1', 1),
      content_index: 0,
      delta: ' there',
      logprobs: [],
    },
    {
      type: 'response.output_text.done',
      ...scoped('msg_1', 1),
      content_index: 0,
      text: 'Hello there',
      logprobs: [],
    },
    { type: 'response.output_item.done', output_index: 1, item: message },
    {
      type: 'response.output_item.added',
      output_index: 2,
      item: { ...weather, arguments: '', status: 'in_progress' } as OutputItem,
    },
    { type: 'response.function_call_arguments.delta', ...scoped('fc_1', 2), delta: '{"city":' },
    { type: 'response.function_call_arguments.delta', ...scoped('fc_1', 2), delta: '"Paris"}' },
    {
      type: 'response.function_call_arguments.done',
      ...scoped('fc_1', 2),
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    },
    { type: 'response.output_item.done', output_index: 2, item: weather },
    {
      type: 'response.output_item.added',
      output_index: 3,
      item: { ...time, arguments: '', status: 'in_progress' } as OutputItem,
    },
    {
      type: 'response.function_call_arguments.done',
      ...scoped('fc_2', 3),
      name: 'get_time',
      arguments: '{"tz":"CET"}',
    },
    { type: 'response.output_item.done', output_index: 3, item: time },
    {
      type: 'response.completed',
      response: responseWith({
        status: 'completed',
        completed_at: CREATED + 1,
        output: [
          {
            type: 'reasoning',
            id: 'rs_1',
            summary: [],
            content: [{ type: 'reasoning_text', text: 'Two calls.' }],
          },
          message,
          weather,
          time,
        ],
        usage,
      }),
    },
  ];
  return bodies.map((body, sequence_number) => ({ ...body, sequence_number }) as ResponseStreamEvent);
}

describe('Responses events as chat.completion chunks', () => {
  test('text, reasoning and two tool calls by index, then tool_calls and the usage', () => {
    const translator = new ChatChunkTranslator(true);
    const chunks = scriptedEvents().flatMap((event) => translator.translate(event)) as Chunk[];
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta ?? null);
    assert.deepEqual(deltas, [
      { role: 'assistant', content: '', refusal: null },
      { reasoning_content: 'Two calls.' },
      { content: 'Hello' },
      { content: ' there' },
      {
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      {
        tool_calls: [
          { index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"tz":"CET"}' } }] },
      {},
      null,
    ]);
    assert.deepEqual(
      chunks.map((chunk) => (chunk.choices[0] ? chunk.choices[0].finish_reason : 'none')),
      [...Array<null>(9).fill(null), 'tool_calls', 'none'],
    );
    for (const chunk of chunks) {
      assert.equal(chunk.id, 'chatcmpl-abc');
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.created, CREATED);
      assert.equal(chunk.model, 'test/scripted');
    }
    assert.deepEqual(
      chunks.slice(0, -1).map((chunk) => chunk.usage),
      Array<null>(10).fill(null),
    );
    assert.deepEqual(chunks.at(-1), {
      id: 'chatcmpl-abc',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: 'test/scripted',
      choices: [],
      usage: chatUsage,
    });
  });

  test('without include_usage no chunk has a usage key', () => {
    const translator = new ChatChunkTranslator(false);
    const chunks = scriptedEvents().flatMap((event) => translator.translate(event));
    assert.equal(chunks.length, 10);
    assert.ok(chunks.every((chunk) => !('usage' in chunk)));
  });

  test('the same response, not streamed, is one chat.completion', () => {
    const final = scriptedEvents().at(-1)!;
    assert.ok(final.type === 'response.completed');
    assert.deepEqual(toChatCompletion(final.response), {
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: CREATED,
      model: 'test/scripted',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello there',
            refusal: null,
            tool_calls: chatToolCalls,
            reasoning_content: 'Two calls.',
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: chatUsage,
    });
  });

  test('finish reasons: length, content_filter, and a failure as an error item', () => {
    const ending = (response: ResponseObject) => {
      const translator = new ChatChunkTranslator(false);
      translator.translate({ type: 'response.created', response: responseWith({}), sequence_number: 0 });
      return translator.translate({ type: 'response.incomplete', response, sequence_number: 1 });
    };
    const finish = (items: ChatStreamItem[]) => (items[0] as Chunk).choices[0]?.finish_reason;
    const incomplete = { status: 'incomplete' as const };
    assert.equal(
      finish(ending(responseWith({ ...incomplete, incomplete_details: { reason: 'max_output_tokens' } }))),
      'length',
    );
    assert.equal(
      finish(ending(responseWith({ ...incomplete, incomplete_details: { reason: 'content_filter' } }))),
      'content_filter',
    );
    const translator = new ChatChunkTranslator(true);
    translator.translate({ type: 'response.created', response: responseWith({}), sequence_number: 0 });
    const failed = responseWith({
      status: 'failed',
      error: { code: 'rate_limit_exceeded', message: 'Slow down.' },
    });
    assert.deepEqual(
      translator.translate({ type: 'response.failed', response: failed, sequence_number: 1 }),
      [
        {
          error: {
            message: 'Slow down.',
            type: 'rate_limit_error',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
      ],
    );
    assert.throws(
      () => toChatCompletion(failed),
      (error: unknown) => error instanceof ApiError && error.status === 429,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The real route and engine over a scripted provider: tool calls, failures, disconnects.

let script: (turn: Turn) => Array<ModelEvent | Error | { delayMs: number }> = () => [];
const scripted = new ScriptedProvider((turn) => script(turn));

/** Streams text until it is stopped, and records how it was stopped. */
class EndlessProvider implements Provider {
  yielded = 0;
  stopped = false;
  sawAbort = false;
  async *generate(_turn: Turn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    try {
      while (!signal.aborted) {
        yield { type: 'text-delta', delta: 'more ' };
        this.yielded++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      this.stopped = true;
      this.sawAbort = signal.aborted;
    }
  }
}
const endless = new EndlessProvider();

const toolCallScript = (): ModelEvent[] => [
  { type: 'reasoning-delta', delta: 'Both tools.', part: 'content' },
  { type: 'text-delta', delta: 'Let me ' },
  { type: 'text-delta', delta: 'check.' },
  { type: 'tool-call-start', callId: 'call_a', name: 'get_weather', kind: 'function' },
  { type: 'tool-call-delta', callId: 'call_a', delta: '{"city":' },
  { type: 'tool-call-delta', callId: 'call_a', delta: '"Paris"}' },
  { type: 'tool-call-end', callId: 'call_a' },
  { type: 'tool-call-start', callId: 'call_b', name: 'get_time', kind: 'function' },
  { type: 'tool-call-delta', callId: 'call_b', delta: '{"tz":"CET"}' },
  { type: 'tool-call-end', callId: 'call_b' },
  { type: 'usage', usage: { inputTokens: 30, outputTokens: 14, reasoningTokens: 3 } },
  { type: 'finish', reason: 'tool-calls' },
];

describe('POST /v1/chat/completions over a scripted provider', () => {
  let server: ServerType;
  let baseUrl: string;
  let client: OpenAI;
  let runtime: Runtime;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'portico-chat-'));
    runtime = await createRuntime({
      dataDir,
      modelsDirs: [],
      env: {},
      models: [scriptedModel('test/scripted', 'scripted'), scriptedModel('test/endless', 'endless')],
      providers: new Map<string, Provider>([
        ['scripted', scripted],
        ['endless', endless],
      ]),
    });
    const app = createApp(runtime, silentLogger);
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await new Promise<void>((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    });
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const toolRequest = {
    model: 'test/scripted',
    messages: [{ role: 'user' as const, content: 'Weather and time in Paris?' }],
    tools: [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
      { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object' } } },
    ],
  };

  test('tool calls, not streamed', async () => {
    script = toolCallScript;
    const completion = await client.chat.completions.create(toolRequest);
    assert.match(completion.id, /^chatcmpl-/);
    assert.deepEqual(Object.keys(completion).sort(), COMPLETION_KEYS);
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Let me check.');
    assert.deepEqual(choice.message.tool_calls, chatToolCalls);
    assert.equal(
      (choice.message as unknown as { reasoning_content: string }).reasoning_content,
      'Both tools.',
    );
    assert.deepEqual(completion.usage, {
      prompt_tokens: 30,
      completion_tokens: 14,
      total_tokens: 44,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
    const turn = scripted.turns.at(-1)!;
    assert.equal(turn.tools.length, 2);
    assert.equal(
      await runtime.stores.responses.get(`resp_${completion.id.slice('chatcmpl-'.length)}`, 'default'),
      undefined,
      'chat completions are not stored',
    );
  });

  test('tool calls, streamed: the SDK accumulator rebuilds the same message', async () => {
    script = toolCallScript;
    const stream = client.chat.completions.stream({
      ...toolRequest,
      stream_options: { include_usage: true },
    });
    const argumentDeltas: Array<[number, string]> = [];
    stream.on('chunk', (chunk) => {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? [])
        if (call.function?.arguments) argumentDeltas.push([call.index, call.function.arguments]);
    });
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Let me check.');
    assert.deepEqual(
      choice.message.tool_calls?.map(
        (call) => call.type === 'function' && [call.id, call.function.name, call.function.arguments],
      ),
      [
        ['call_a', 'get_weather', '{"city":"Paris"}'],
        ['call_b', 'get_time', '{"tz":"CET"}'],
      ],
    );
    assert.deepEqual(argumentDeltas, [
      [0, '{"city":'],
      [0, '"Paris"}'],
      [1, '{"tz":"CET"}'],
    ]);
    assert.equal(final.usage?.completion_tokens, 14);
  });

  test('the engine receives the tool history and images as Responses items', async () => {
    script = () => [
      { type: 'text-delta', delta: 'Sunny.' },
      { type: 'finish', reason: 'stop' },
    ];
    const completion = await client.chat.completions.create({
      model: 'test/scripted',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'Sunny' },
      ],
      max_completion_tokens: 50,
    });
    assert.equal(completion.choices[0]!.message.content, 'Sunny.');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    const turn = scripted.turns.at(-1)!;
    assert.equal(turn.instructions, undefined, 'system messages stay messages');
    assert.deepEqual(
      turn.items.map((item) => [
        item.type,
        'role' in item ? item.role : '',
        'call_id' in item ? item.call_id : '',
      ]),
      [
        ['message', 'system', ''],
        ['message', 'user', ''],
        ['function_call', '', 'call_a'],
        ['function_call_output', '', 'call_a'],
      ],
    );
    const user = turn.items[1] as Extract<Turn['items'][number], { type: 'message' }>;
    assert.deepEqual(user.content[1], {
      type: 'input_image',
      image_url: 'https://example.com/a.png',
      detail: 'auto',
    });
    assert.equal(turn.sampling.maxOutputTokens, 50);
  });

  test('a failure before generation is an HTTP error with its status', async () => {
    script = () => [
      new ApiError({
        status: 429,
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        message: 'Slow down.',
        retryAfter: 3,
      }),
    ];
    const res = await postJson(baseUrl, {
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.deepEqual(await res.json(), {
      error: { message: 'Slow down.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    });
  });

  test('an engine error naming a Responses parameter names the chat parameter', async () => {
    script = () => [badRequest('input[1].content[0]', 'This model cannot see images.', 'unsupported_value')];
    await assert.rejects(
      client.chat.completions.create({
        model: 'test/scripted',
        messages: [
          { role: 'system', content: 'Look.' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        ],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'messages[1].content[0]',
    );
  });

  test('a failure after streaming began ends the stream with an error chunk and no [DONE]', async () => {
    const upstreamDown = new ApiError({
      status: 502,
      type: 'upstream_error',
      message: 'The upstream closed the connection.',
    });
    script = () => [
      { type: 'text-delta', delta: 'Half' },
      { type: 'finish', reason: 'error', error: upstreamDown },
    ];
    const res = await postJson(baseUrl, {
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    assert.equal(res.status, 200);
    const { items, done } = await readChatStream(res.body!);
    assert.equal(done, false);
    assert.deepEqual(items.at(-1), {
      error: {
        message: 'The upstream closed the connection.',
        type: 'server_error',
        param: null,
        code: 'server_error',
      },
    });
    assert.equal((items[1] as unknown as Chunk).choices[0]?.delta.content, 'Half');

    const stream = await client.chat.completions.create({
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
      (error: unknown) => error instanceof OpenAI.APIError && /upstream closed/.test(error.message),
    );
  });

  test('a response that fails, not streamed, is an HTTP error', async () => {
    script = () => [{ type: 'text-delta', delta: 'Half' }, new Error('socket hang up')];
    const res = await postJson(baseUrl, {
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'server_error');
    assert.ok(!body.error.message.includes('socket hang up'), 'internal failures are not leaked');
  });

  test('a client that disconnects stops generation', async () => {
    const abort = new AbortController();
    const res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/endless',
        messages: [{ role: 'user', content: 'go' }],
        stream: true,
      }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('more ')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    for (let i = 0; i < 100 && !endless.stopped; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(endless.stopped, true);
    assert.equal(endless.sawAbort, true, 'generation was aborted, not finished');
  });
});

// ---------------------------------------------------------------------------------------------
// The real server with the real local model.

describe('POST /v1/chat/completions on a local model', () => {
  let portico: TestPortico;
  let client: OpenAI;
  const messages = [{ role: 'user' as const, content: 'Once upon a time' }];

  before(async () => {
    portico = await startPortico();
    client = portico.client;
  });
  after(() => portico.stop());

  test('a text answer in the chat.completion shape', async () => {
    const completion = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 40,
      n: 1,
    });
    assert.deepEqual(Object.keys(completion).sort(), COMPLETION_KEYS);
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, TINY_MODEL);
    assert.ok(Math.abs(completion.created - Date.now() / 1000) < 120);
    assert.equal(completion.choices.length, 1);
    const choice = completion.choices[0]!;
    assert.equal(choice.index, 0);
    assert.equal(choice.logprobs, null);
    assert.ok(choice.finish_reason === 'stop' || choice.finish_reason === 'length');
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.refusal, null);
    assert.equal(choice.message.tool_calls, undefined);
    assert.ok(typeof choice.message.content === 'string' && choice.message.content.length > 0);
    const usage = completion.usage!;
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.deepEqual(usage.prompt_tokens_details, { cached_tokens: 0 });
    assert.deepEqual(usage.completion_tokens_details, { reasoning_tokens: 0 });
  });

  test('stop sequences end the answer of a local model where they appear, and are not included', async () => {
    const free = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 40,
      temperature: 0,
    });
    const text = free.choices[0]!.message.content!;
    const at = text.indexOf(' ', 8);
    assert.ok(at > 0, text);
    const stop = text.slice(at, at + 4);
    const stopped = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 40,
      temperature: 0,
      stop,
    });
    assert.equal(stopped.choices[0]!.message.content, text.slice(0, at));
    assert.equal(stopped.choices[0]!.finish_reason, 'stop');
  });

  test('n choices, each its own answer, with the usage of all', async () => {
    const completion = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 6,
      n: 3,
    });
    assert.deepEqual(
      completion.choices.map((choice) => choice.index),
      [0, 1, 2],
    );
    assert.ok(completion.choices.every((choice) => (choice.message.content ?? '').length > 0));
    assert.equal(completion.usage!.completion_tokens, 18);
    const stream = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 4,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
      frequency_penalty: 0.5,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const finished = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.finish_reason));
    assert.deepEqual(
      finished.map((choice) => [choice.index, choice.finish_reason]),
      [
        [0, 'length'],
        [1, 'length'],
      ],
    );
    assert.deepEqual(chunks.at(-1)!.choices, []);
    assert.equal(chunks.at(-1)!.usage!.completion_tokens, 8);
  });

  test('max_tokens ends with finish_reason length after exactly that many tokens', async () => {
    for (const limit of [{ max_tokens: 5 }, { max_completion_tokens: 7 }]) {
      // Greedy, so that the story cannot end before the limit by chance.
      const completion = await client.chat.completions.create({
        model: TINY_MODEL,
        messages,
        temperature: 0,
        ...limit,
      });
      assert.equal(completion.choices[0]!.finish_reason, 'length');
      assert.equal(completion.usage!.completion_tokens, Object.values(limit)[0]);
    }
  });

  test('system and developer messages reach the model', async () => {
    const plain = await client.chat.completions.create({ model: TINY_MODEL, messages, max_tokens: 3 });
    const instructed = await client.chat.completions.create({
      model: TINY_MODEL,
      messages: [
        { role: 'system', content: 'You tell stories about dragons.' },
        { role: 'developer', content: 'Keep them short.' },
        ...messages,
      ],
      max_tokens: 3,
    });
    assert.ok(instructed.usage!.prompt_tokens > plain.usage!.prompt_tokens);
  });

  test('at temperature 0 the streamed content equals the non-streamed content', async () => {
    const request = { model: TINY_MODEL, messages, max_tokens: 30, temperature: 0 };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let streamed = '';
    let finish: string | null = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      streamed += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.ok(chunks > 3, 'the content arrives in several chunks');
    assert.equal(streamed, whole.choices[0]!.message.content);
    assert.equal(finish, whole.choices[0]!.finish_reason);

    const helper = client.chat.completions.stream(request);
    let deltas = '';
    helper.on('content.delta', ({ delta }) => (deltas += delta));
    const final = await helper.finalChatCompletion();
    assert.equal(final.choices[0]!.message.content, whole.choices[0]!.message.content);
    assert.equal(deltas, whole.choices[0]!.message.content);
    assert.equal(final.choices[0]!.finish_reason, whole.choices[0]!.finish_reason);
  });

  test('the raw stream: data-only lines, the role first, include_usage last, then [DONE]', async () => {
    const res = await postJson(portico.server.url, {
      model: TINY_MODEL,
      messages,
      max_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const { items, done } = await readChatStream(res.body!);
    assert.equal(done, true, 'the stream ends with data: [DONE]');
    const chunks = items as unknown as Chunk[];
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '', refusal: null });
    assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1, 'one id for the whole stream');
    const finishChunk = chunks.at(-2)!;
    assert.equal(finishChunk.choices[0]!.finish_reason, 'length');
    assert.deepEqual(finishChunk.choices[0]!.delta, {});
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage!.completion_tokens, 12);
    assert.equal(last.usage!.total_tokens, last.usage!.prompt_tokens + 12);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
    assert.ok(chunks.slice(1, -2).every((chunk) => typeof chunk.choices[0]!.delta.content === 'string'));
  });

  describe('bad input is a 400 naming the parameter', () => {
    const user = [{ role: 'user', content: 'hi' }];
    const cases: Array<[string, unknown, string | null]> = [
      ['missing messages', { model: TINY_MODEL }, 'messages'],
      ['empty messages', { model: TINY_MODEL, messages: [] }, 'messages'],
      ['missing model', { messages: user }, 'model'],
      [
        'an unknown role',
        { model: TINY_MODEL, messages: [...user, { role: 'robot', content: 'x' }] },
        'messages[1].role',
      ],
      [
        'a bad content part',
        { model: TINY_MODEL, messages: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }] }] },
        'messages[0].content[0].type',
      ],
      [
        'an image without a url',
        { model: TINY_MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
        'messages[0].content[0].image_url.url',
      ],
      [
        'content of the wrong type',
        { model: TINY_MODEL, messages: [{ role: 'user', content: 42 }] },
        'messages[0].content',
      ],
      [
        'a tool message without tool_call_id',
        { model: TINY_MODEL, messages: [...user, { role: 'tool', content: 'x' }] },
        'messages[1].tool_call_id',
      ],
      [
        'an assistant message with neither content nor tool_calls',
        { model: TINY_MODEL, messages: [...user, { role: 'assistant', content: null }, ...user] },
        'messages[1].content',
      ],
      ['temperature 3', { model: TINY_MODEL, messages: user, temperature: 3 }, 'temperature'],
      ['top_p above 1', { model: TINY_MODEL, messages: user, top_p: 1.5 }, 'top_p'],
      ['max_tokens of 0', { model: TINY_MODEL, messages: user, max_tokens: 0 }, 'max_tokens'],
      ['n of 9', { model: TINY_MODEL, messages: user, n: 9 }, 'n'],
      ['five stop sequences', { model: TINY_MODEL, messages: user, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [
        'top_logprobs without logprobs',
        { model: TINY_MODEL, messages: user, top_logprobs: 2 },
        'top_logprobs',
      ],
      [
        'a penalty out of range',
        { model: TINY_MODEL, messages: user, presence_penalty: 2.5 },
        'presence_penalty',
      ],
      ['store: true', { model: TINY_MODEL, messages: user, store: true }, 'store'],
      [
        'stream_options without stream',
        { model: TINY_MODEL, messages: user, stream_options: { include_usage: true } },
        'stream_options',
      ],
      ['an unknown parameter', { model: TINY_MODEL, messages: user, temprature: 1 }, 'temprature'],
      [
        'an unknown message field',
        { model: TINY_MODEL, messages: [{ role: 'user', content: 'x', tool_call_id: 'c' }] },
        'messages[0].tool_call_id',
      ],
      [
        'a json_schema without a schema',
        {
          model: TINY_MODEL,
          messages: user,
          response_format: { type: 'json_schema', json_schema: { name: 'x' } },
        },
        'response_format.json_schema.schema',
      ],
      [
        'a tool with a bad name',
        { model: TINY_MODEL, messages: user, tools: [{ type: 'function', function: { name: 'has space' } }] },
        'tools[0].function.name',
      ],
      ['invalid JSON', '{"model": ', null],
      ['a JSON array body', '[]', null],
    ];
    for (const [name, body, param] of cases) {
      test(name, async () => {
        const res = await postJson(portico.server.url, body);
        assert.equal(res.status, 400);
        const json = (await res.json()) as { error: { param: string | null; type: string; message: string } };
        assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
        assert.equal(json.error.type, 'invalid_request_error');
        assert.equal(json.error.param, param, json.error.message);
        assert.ok(!/at .*\.ts:\d+/.test(json.error.message), 'no stack trace');
      });
    }

    test('an unknown model is a 404 model_not_found', async () => {
      await assert.rejects(
        client.chat.completions.create({ model: 'local/nope', messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) =>
          error instanceof OpenAI.NotFoundError &&
          error.code === 'model_not_found' &&
          error.param === 'model',
      );
    });
  });
});
