import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import type { Item } from '../src/api/items.ts';
import { decodeThinking, encodeThinking } from '../src/providers/anthropic/thinking-signature.ts';
import {
  anthropicClient,
  MESSAGE_KEYS,
  postMessages,
  readMessageStream,
} from './support/anthropic-messages.ts';
import {
  ask,
  expectedContent,
  lastTurn,
  script,
  startScriptedGateway,
  sunny,
  thinkThenCall,
  THOUGHT,
  tools,
} from './support/anthropic-scripted.ts';
import type { GatewayUnderTest } from './support/gateway-server.ts';

describe('POST /v1/messages over a scripted provider', () => {
  let gateway: GatewayUnderTest;
  let client: Anthropic;

  before(async () => {
    ({ gateway, client } = await startScriptedGateway());
  });
  after(() => gateway.stop());

  test('a Message: thinking with its signature, text and tool_use blocks, stop_reason tool_use, usage as Anthropic counts it', async () => {
    script.next = thinkThenCall;
    const message = await client.messages.create(ask);
    assert.deepEqual(Object.keys(message).sort(), MESSAGE_KEYS);
    assert.match(message.id, /^msg_/);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, 'test/scripted');
    assert.deepEqual(message.content, expectedContent);
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.stop_sequence, null);
    assert.deepEqual(message.usage, {
      input_tokens: 15,
      output_tokens: 14,
      cache_creation_input_tokens: 5,
      cache_read_input_tokens: 10,
    });
    assert.equal(lastTurn().stream, false);
  });

  test("a stream in Anthropic's event order, which the SDK folds into the same Message", async () => {
    script.next = thinkThenCall;
    const res = await postMessages(gateway.url, { ...ask, stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const { events, order } = await readMessageStream(res.body!);
    assert.deepEqual(order, [
      'message_start',
      'content_block_start 0 thinking',
      'content_block_delta 0 thinking_delta',
      'content_block_delta 0 signature_delta',
      'content_block_stop 0',
      'content_block_start 1 text',
      'content_block_delta 1 text_delta',
      'content_block_stop 1',
      'content_block_start 2 tool_use',
      'content_block_delta 2 input_json_delta',
      'content_block_stop 2',
      'content_block_start 3 tool_use',
      'content_block_delta 3 input_json_delta',
      'content_block_stop 3',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0]!.message as Record<string, unknown>;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    assert.deepEqual(events.at(-2), {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 15,
        output_tokens: 14,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 10,
      },
    });

    script.next = thinkThenCall;
    const stream = client.messages.stream(ask);
    const thinking: string[] = [];
    stream.on('thinking', (delta) => thinking.push(delta));
    const final = await stream.finalMessage();
    assert.deepEqual(final.content, expectedContent);
    assert.equal(final.stop_reason, 'tool_use');
    assert.deepEqual(final.usage, {
      input_tokens: 15,
      output_tokens: 14,
      cache_creation_input_tokens: 5,
      cache_read_input_tokens: 10,
    });
    assert.deepEqual(thinking, ['Paris ', 'first.']);
    assert.equal(lastTurn().stream, true);
  });

  test('parallel calls that stream side by side are sent one block after the other', async () => {
    script.next = () => [
      { type: 'tool-call-start', callId: 'call_a', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-start', callId: 'call_b', name: 'get_time', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_b', delta: '{"tz":' },
      { type: 'tool-call-delta', callId: 'call_a', delta: '{"city":"Paris"}' },
      { type: 'tool-call-delta', callId: 'call_b', delta: '"CET"}' },
      { type: 'tool-call-end', callId: 'call_b' },
      { type: 'tool-call-end', callId: 'call_a' },
      { type: 'finish', reason: 'tool-calls' },
    ];
    const res = await postMessages(gateway.url, { ...ask, stream: true });
    const { events, order } = await readMessageStream(res.body!);
    assert.deepEqual(order, [
      'message_start',
      'content_block_start 0 tool_use',
      'content_block_delta 0 input_json_delta',
      'content_block_stop 0',
      'content_block_start 1 tool_use',
      'content_block_delta 1 input_json_delta',
      'content_block_stop 1',
      'message_delta',
      'message_stop',
    ]);
    const json = (index: number) =>
      events
        .filter((event) => event.type === 'content_block_delta' && event.index === index)
        .map((event) => (event.delta as { partial_json: string }).partial_json);
    assert.deepEqual(json(0), ['{"city":"Paris"}']);
    assert.deepEqual(json(1), ['{"tz":', '"CET"}']);
  });

  test('thinking blocks go back to the model as the reasoning items its provider made, redacted ones too', async () => {
    const blocks = [THOUGHT, { type: 'redacted_thinking' as const, data: 'opaque' }];
    script.next = () => [
      { type: 'reasoning-delta', delta: THOUGHT.thinking, part: 'content' },
      { type: 'reasoning-encrypted', encryptedContent: encodeThinking(blocks) },
      ...sunny(),
    ];
    const { tools: _tools, ...plain } = ask;
    const first = await client.messages.create(plain);
    assert.deepEqual(first.content, [...blocks, { type: 'text', text: 'Sunny.' }]);
    const stream = client.messages.stream(plain);
    assert.deepEqual((await stream.finalMessage()).content, first.content);

    script.next = sunny;
    await client.messages.create({
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'And?' },
      ],
    });
    const items = lastTurn().items;
    const reasoning = items.find((item) => item.type === 'reasoning') as Extract<Item, { type: 'reasoning' }>;
    assert.deepEqual(decodeThinking(reasoning.encrypted_content), blocks);
    assert.deepEqual(reasoning.content, [{ type: 'reasoning_text', text: THOUGHT.thinking }]);
    assert.deepEqual(
      items.map((item) => `${item.type} ${'role' in item ? item.role : ''}`.trim()),
      ['message user', 'reasoning', 'message assistant', 'message user'],
    );
  });

  test('system, stop_sequences, sampling, tools, tool_choice, images and documents reach the provider as the Responses request says them', async () => {
    script.next = sunny;
    const pixel = 'iVBORw0KGgo=';
    await client.messages.create({
      model: 'test/scripted',
      max_tokens: 50,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Be kind.', cache_control: { type: 'ephemeral' } },
      ],
      stop_sequences: ['END'],
      temperature: 0.5,
      top_p: 0.9,
      tools,
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is here?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            {
              type: 'document',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
              title: 'a.pdf',
            },
          ],
        },
      ],
    } as Anthropic.MessageCreateParamsNonStreaming);
    const turn = lastTurn();
    assert.equal(turn.instructions, 'Be brief.\n\nBe kind.');
    assert.deepEqual(turn.sampling.stop, ['END']);
    assert.equal(turn.sampling.maxOutputTokens, 50);
    assert.equal(turn.sampling.temperature, 0.5);
    assert.equal(turn.sampling.topP, 0.9);
    assert.equal(turn.toolChoice, 'required');
    assert.equal(turn.parallelToolCalls, false);
    assert.deepEqual(turn.tools[0], {
      type: 'function',
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
      strict: false,
    });
    const user = turn.items[0] as Extract<Item, { type: 'message' }>;
    assert.deepEqual(user.content, [
      { type: 'input_text', text: 'What is here?' },
      { type: 'input_image', image_url: `data:image/png;base64,${pixel}`, detail: 'auto' },
      { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
      { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
    ]);
  });

  test("what Portico does not act on comes back in x-portico-warnings, in the Messages API's terms, beside the gateway's headers", async () => {
    script.next = sunny;
    const { response } = await client.messages
      .create({
        model: 'test/scripted',
        max_tokens: 20,
        top_k: 5,
        thinking: { type: 'enabled', budget_tokens: 10000 },
        messages: [{ role: 'user', content: 'hi' }],
      } as Anthropic.MessageCreateParamsNonStreaming)
      .withResponse();
    const warnings = response.headers.get('x-portico-warnings') ?? '';
    assert.match(warnings, /top_k: /);
    assert.match(warnings, /thinking\.budget_tokens: 10000 was taken as reasoning effort 'medium'/);
    assert.match(warnings, /thinking: the model 'test\/scripted' takes reasoning effort low, 'low' was used/);
    assert.equal(lastTurn().reasoning?.effort, 'low');
    assert.ok(response.headers.get('cf-aig-log-id'));
    assert.ok(response.headers.get('x-request-id'));
  });

  test('a tool loop: tool_use and tool_result blocks become the call and its output', async () => {
    script.next = sunny;
    await client.messages.create({
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: expectedContent.slice(1) as Anthropic.ContentBlockParam[] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_a', content: 'Sunny, 21C' },
            {
              type: 'tool_result',
              tool_use_id: 'call_b',
              content: [{ type: 'text', text: '14:00' }],
              is_error: true,
            },
            { type: 'text', text: 'Thanks.' },
          ],
        },
      ],
    });
    const items = lastTurn().items.map((item) => {
      const { id: _id, status: _status, ...rest } = item as Item & { status?: string };
      return rest;
    });
    assert.deepEqual(items.slice(1), [
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Let me check.', annotations: [], logprobs: [] }],
      },
      { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call', call_id: 'call_b', name: 'get_time', arguments: '{"tz":"CET"}' },
      { type: 'function_call_output', call_id: 'call_a', output: 'Sunny, 21C' },
      { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '14:00' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Thanks.' }] },
    ]);
  });

  test('the log has the message with its tokens', async () => {
    script.next = sunny;
    const { response } = await client.messages
      .create({ model: 'test/scripted', max_tokens: 20, messages: [{ role: 'user', content: 'log me' }] })
      .withResponse();
    const logId = response.headers.get('cf-aig-log-id');
    const log = await gateway.request('GET', `/v1/logs/${logId}`);
    assert.equal(log.status, 200);
    assert.equal(log.json.path, 'POST /v1/messages');
    assert.equal(log.json.model, 'test/scripted');
    assert.equal(log.json.tokens_in, 9);
    assert.equal(log.json.tokens_out, 2);
    assert.equal(
      (log.json.request as { max_tokens: number }).max_tokens,
      20,
      'the request as the client sent it',
    );
  });

  test('count_tokens counts a messages request as /v1/responses/input_tokens counts the same context', async () => {
    const counted = await client.messages.countTokens({
      model: 'test/scripted',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
      tools,
    });
    const responses = await gateway.request('POST', '/v1/responses/input_tokens', {
      model: 'test/scripted',
      instructions: 'Be brief.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'How many tokens is this?' }] }],
      tools: tools.map((tool) => ({
        type: 'function',
        name: tool.name,
        description: tool.description,
        parameters: tool.input_schema,
        strict: false,
      })),
    });
    assert.ok(counted.input_tokens > 0);
    assert.equal(counted.input_tokens, responses.json.input_tokens);
    const bad = await postMessages(
      gateway.url,
      { model: 'test/scripted', messages: [], max_tokens: 3 },
      '/v1/messages/count_tokens',
    );
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { type: string }).type, 'error');
  });

  test("AI Gateway's anthropic path takes Anthropic's model names; Workers AI's path and the universal endpoint answer too", async () => {
    script.next = sunny;
    const viaGateway = anthropicClient(`${gateway.url}/v1/acct/default/anthropic`);
    const message = await viaGateway.messages.create({
      model: 'claude-test',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(message.model, 'claude-test', 'the name the client gave');
    assert.equal(lastTurn().model.id, 'anthropic/claude-test');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Sunny.' }]);
    const counted = await viaGateway.messages.countTokens({
      model: 'claude-test',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(counted.input_tokens > 0);

    const viaWorkersAi = anthropicClient(`${gateway.url}/client/v4/accounts/acct/ai`);
    const streamed = await viaWorkersAi.messages
      .stream({ model: 'test/scripted', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    assert.deepEqual(streamed.content, [{ type: 'text', text: 'Sunny.' }]);
    const missing = await postMessages(
      gateway.url,
      { model: 'test/scripted' },
      '/client/v4/accounts/acct/ai/v1/messages',
    );
    assert.equal(((await missing.json()) as { error: { type: string } }).error.type, 'invalid_request_error');

    const universal = await gateway.request('POST', '/v1/acct/default', [
      {
        provider: 'anthropic',
        endpoint: 'v1/messages',
        headers: {},
        query: { model: 'claude-test', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      },
    ]);
    assert.equal(universal.status, 200);
    assert.equal(universal.json.type, 'message');
    assert.equal(universal.json.model, 'claude-test');
  });
});
