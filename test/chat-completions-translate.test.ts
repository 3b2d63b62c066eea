import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChatCompletionRequest, type ChatStreamItem } from '../src/api/chat-completions.ts';
import { ApiError } from '../src/api/errors.ts';
import { parseBody, parseResponseRequest } from '../src/api/request.ts';
import type { OutputItem, ResponseObject } from '../src/api/response.ts';
import type { ResponseStreamEvent, ResponseStreamEventBody } from '../src/api/stream-events.ts';
import { ChatChunkTranslator } from '../src/formats/chat/chat-chunk-translator.ts';
import { chatParam } from '../src/formats/chat/map-error-param.ts';
import { toChatCompletion } from '../src/formats/chat/to-chat-completion.ts';
import { toResponseRequest } from '../src/formats/chat/to-response-request.ts';
import { initialResponse } from '../src/engine/initial-response.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { chatToolCalls, type Chunk } from './support/chat-completions.ts';

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
    assert.doesNotThrow(() => parseResponseRequest(wire));
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
  const request = parseResponseRequest({ model: 'test/scripted', input: 'hi', store: false });
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
