import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { checkResponseStream } from './support/stream-checks.ts';
import {
  client,
  fixture,
  list,
  queue,
  strictTool,
  upstreamBodies,
  useToolsUpstream,
  type Loose,
} from './support/tools-upstream.ts';

// Tool loops over every replayed upstream: two-turn loops, parallel calls and their limits,
// and strict outputs from upstreams that cannot constrain their decoding.
useToolsUpstream();

/** Checks the second upstream request of a loop: it carries the model's call and the client's output. */
const secondTurnChecks: Record<string, (body: Loose, callId: string) => void> = {
  'oai/gpt-test': (body, callId) => {
    const input = list(body.input);
    assert.deepEqual(
      input.find((item) => item.type === 'function_call'),
      { type: 'function_call', call_id: callId, name: 'get_weather', arguments: '{"city":"Paris"}' },
    );
    assert.deepEqual(input.at(-1), {
      type: 'function_call_output',
      call_id: callId,
      output: '{"celsius":18}',
    });
    assert.equal(list(body.tools)[0]!.strict, true);
  },
  'chat/qwen': (body, callId) => {
    const messages = list(body.messages);
    const assistant = messages.find((message) => message.role === 'assistant')!;
    assert.deepEqual(assistant.tool_calls, [
      { id: callId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
    assert.deepEqual(messages.at(-1), { role: 'tool', tool_call_id: callId, content: '{"celsius":18}' });
  },
  'claude/sonnet': (body, callId) => {
    const messages = list(body.messages);
    assert.deepEqual(messages.at(-2), {
      role: 'assistant',
      content: [{ type: 'tool_use', id: callId, name: 'get_weather', input: { city: 'Paris' } }],
    });
    assert.deepEqual(messages.at(-1), {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: callId, content: '{"celsius":18}' }],
    });
  },
};

describe('a two-turn tool loop over every replayed upstream', () => {
  const loops: Array<[string, string]> = [
    ['oai/gpt-test', 'openai'],
    ['chat/qwen', 'chat'],
    ['claude/sonnet', 'anthropic'],
  ];
  for (const [model, prefix] of loops) {
    test(`${model}: a streamed function_call, then its output through previous_response_id`, async () => {
      queue.push(fixture(`${prefix}-call`), fixture(`${prefix}-answer`));
      const events: Loose[] = [];
      const stream = await client().responses.create({
        model,
        input: 'What is the weather in Paris?',
        tools: [strictTool('get_weather')],
        tool_choice: { type: 'function', name: 'get_weather' },
        stream: true,
      });
      for await (const event of stream) events.push({ ...event });
      const first = checkResponseStream(events);
      assert.equal(first.status, 'completed');
      const types = events.map((event) => event.type);
      const added = types.indexOf('response.output_item.added');
      const delta = types.indexOf('response.function_call_arguments.delta');
      const done = types.indexOf('response.function_call_arguments.done');
      assert.ok(added < delta && delta < done && done < types.indexOf('response.output_item.done'));
      const call = list(first.output)[0]!;
      assert.equal(call.type, 'function_call');
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments as string), { city: 'Paris' });

      const bodies = await upstreamBodies(async () => {
        const second = await client().responses.create({
          model,
          previous_response_id: first.id as string,
          input: [
            { type: 'function_call_output', call_id: call.call_id as string, output: '{"celsius":18}' },
          ],
          tools: [strictTool('get_weather')],
        });
        assert.equal(second.status, 'completed');
        assert.equal(second.output_text, 'It is 18 degrees and sunny in Paris.');
      });
      assert.equal(bodies.length, 1);
      secondTurnChecks[model]!(bodies[0]!, call.call_id as string);
    });
  }
});

describe('parallel calls and their limits', () => {
  const tools = [strictTool('get_weather'), strictTool('get_time')];

  test('parallel calls come back as function_call items with unique call_ids', async () => {
    queue.push(fixture('chat-parallel-calls'));
    let response!: OpenAI.Responses.Response;
    const [body] = await upstreamBodies(async () => {
      response = await client().responses.create({ model: 'chat/qwen', input: 'Paris and Tokyo', tools });
    });
    assert.equal(body!.parallel_tool_calls, true);
    const calls = response.output.filter((item) => item.type === 'function_call');
    assert.deepEqual(
      calls.map((item) => [item.name, item.arguments]),
      [
        ['get_weather', '{"city":"Paris"}'],
        ['get_weather', '{"city":"Tokyo"}'],
        ['get_time', '{"city":"Paris"}'],
      ],
    );
    assert.equal(new Set(calls.map((item) => item.call_id)).size, 3);
  });

  test('parallel_tool_calls false is sent upstream and enforced: one call reaches the client', async () => {
    queue.push(fixture('chat-parallel-calls'));
    let response!: OpenAI.Responses.Response;
    const [body] = await upstreamBodies(async () => {
      response = await client().responses.create({
        model: 'chat/qwen',
        input: 'Paris and Tokyo',
        tools,
        parallel_tool_calls: false,
      });
    });
    assert.equal(body!.parallel_tool_calls, false);
    assert.equal(response.status, 'completed');
    assert.deepEqual(
      response.output.map((item) => item.type === 'function_call' && item.call_id),
      ['call_chatWeatherPar'],
    );
    assert.equal(response.parallel_tool_calls, false);
  });

  test('max_tool_calls caps the calls', async () => {
    queue.push(fixture('chat-parallel-calls'));
    // This SDK version does not type max_tool_calls; the wire takes it.
    const body = { model: 'chat/qwen', input: 'Paris and Tokyo', tools, max_tool_calls: 2 };
    const response = await client().responses.create(
      body as OpenAI.Responses.ResponseCreateParamsNonStreaming,
    );
    assert.equal(response.output.length, 2);
    assert.equal((response as unknown as { max_tool_calls: number }).max_tool_calls, 2);
  });
});

describe('strict outputs from an upstream without constrained decoding', () => {
  const report = {
    type: 'json_schema' as const,
    name: 'weather_report',
    strict: true,
    schema: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        temperature: { type: 'number' },
        unit: { type: 'string', enum: ['c', 'f'] },
        note: { type: ['string', 'null'] },
      },
      required: ['city', 'temperature', 'unit', 'note'],
      additionalProperties: false,
    },
  };

  test('an answer that breaks the strict schema is a failed response saying what broke', async () => {
    queue.push(fixture('chat-structured-bad'));
    const events: Loose[] = [];
    const stream = await client().responses.create({
      model: 'chat/qwen',
      input: 'Weather in Paris as JSON',
      text: { format: report },
      stream: true,
    });
    for await (const event of stream) events.push({ ...event });
    const response = checkResponseStream(events);
    assert.equal(events.at(-1)!.type, 'response.failed');
    const error = response.error as { code: string; message: string };
    assert.equal(error.code, 'server_error');
    assert.match(error.message, /strict JSON schema 'weather_report': at \$\.(unit|temperature): /);
    assert.equal(response.output_text, '{"city":"Paris","temperature":"warm"}');
  });

  test("an upstream answer that breaks the strict schema is the upstream's fault: a 502 where the answer is an HTTP error", async () => {
    queue.push(fixture('chat-structured-bad'));
    const { name, schema, strict } = report;
    await assert.rejects(
      client().chat.completions.create({
        model: 'chat/qwen',
        messages: [{ role: 'user', content: 'Weather in Paris as JSON' }],
        response_format: { type: 'json_schema', json_schema: { name, schema, strict } },
      }),
      (error: { status: number; code: string; message: string }) => {
        assert.deepEqual([error.status, error.code], [502, 'upstream_error']);
        assert.match(error.message, /strict JSON schema 'weather_report'/);
        return true;
      },
    );
  });

  test('an answer that matches completes', async () => {
    queue.push(fixture('chat-structured-ok'));
    const response = await client().responses.create({
      model: 'chat/qwen',
      input: 'Weather in Paris as JSON',
      text: { format: report },
    });
    assert.equal(response.status, 'completed');
    assert.equal(JSON.parse(response.output_text).temperature, 18.5);
  });

  test('arguments that break a strict tool fail the response, naming the tool and the path', async () => {
    queue.push(fixture('chat-bad-arguments'));
    const response = await client().responses.create({
      model: 'chat/qwen',
      input: 'Weather in Paris',
      tools: [strictTool('get_weather')],
    });
    assert.equal(response.status, 'failed');
    assert.match(
      response.error!.message,
      /strict function 'get_weather' \(call call_chatWeatherBad\).*at \$\.city/,
    );
    assert.equal(response.output[0]!.type, 'function_call');
  });
});
