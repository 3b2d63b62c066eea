import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { WARNINGS_HEADER } from '../src/api/warnings-header.ts';
import { startPortico, type TestPortico } from './support/portico.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';
import { checkResponseStream } from './support/stream-checks.ts';

const fixture = (name: string): Fixture =>
  loadFixture(new URL(`./fixtures/tools/${name}.json`, import.meta.url));

let replay: ReplayServer;
let portico: TestPortico;
let client: OpenAI;
let configDir: string;
const queue: Fixture[] = [];

before(async () => {
  replay = await startReplayServer(
    () =>
      queue.shift() ?? {
        provenance: 'test: nothing queued',
        status: 500,
        body: '{"error":"nothing queued"}',
      },
  );
  configDir = mkdtempSync(join(tmpdir(), 'portico-tools-config-'));
  const configPath = join(configDir, 'portico.yaml');
  writeFileSync(
    configPath,
    [
      'providers:',
      `  oai: { type: openai, base_url: "${replay.url}/v1", api_key_env: TOOLS_TEST_KEY }`,
      `  chat: { type: chat-completions, base_url: "${replay.url}/v1" }`,
      `  claude: { type: anthropic, base_url: "${replay.url}", api_key_env: TOOLS_TEST_KEY }`,
      'models:',
      '  - { id: oai/gpt-test, provider: oai, upstream_model: gpt-5.4, context_window: 400000, capabilities: { reasoning_efforts: [low, medium] } }',
      '  - { id: chat/qwen, provider: chat, upstream_model: Qwen/Qwen3-8B, context_window: 32768 }',
      '  - { id: claude/sonnet, provider: claude, upstream_model: claude-sonnet-4-5, context_window: 200000 }',
      '  - { id: claude/lenient, provider: claude, upstream_model: claude-sonnet-4-5, context_window: 200000, drop_unsupported: true }',
      '',
    ].join('\n'),
  );
  portico = await startPortico({ configPath, env: { TOOLS_TEST_KEY: 'sk-tools-test-0123456789' } });
  client = portico.client;
});
after(async () => {
  await portico.stop();
  await replay.close();
  rmSync(configDir, { recursive: true, force: true });
});

/** The upstream requests made while `action` ran, as their JSON bodies. */
async function upstreamBodies(action: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const start = replay.requests.length;
  await action();
  return replay.requests.slice(start).map((request) => request.json as Record<string, unknown>);
}

const strictTool = (name: string) => ({
  type: 'function' as const,
  name,
  description: `${name} for a city`,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
});

type Loose = Record<string, unknown>;
const list = (value: unknown) => value as Loose[];

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
      const stream = await client.responses.create({
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
        const second = await client.responses.create({
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
      response = await client.responses.create({ model: 'chat/qwen', input: 'Paris and Tokyo', tools });
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
      response = await client.responses.create({
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
    const response = await client.responses.create(body as OpenAI.Responses.ResponseCreateParamsNonStreaming);
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
    const stream = await client.responses.create({
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

  test('an answer that matches completes', async () => {
    queue.push(fixture('chat-structured-ok'));
    const response = await client.responses.create({
      model: 'chat/qwen',
      input: 'Weather in Paris as JSON',
      text: { format: report },
    });
    assert.equal(response.status, 'completed');
    assert.equal(JSON.parse(response.output_text).temperature, 18.5);
  });

  test('arguments that break a strict tool fail the response, naming the tool and the path', async () => {
    queue.push(fixture('chat-bad-arguments'));
    const response = await client.responses.create({
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

describe('tool definitions and schemas over HTTP', () => {
  test('strict schemas with nested objects, enums, arrays, nullable fields and $defs pass upstream unchanged', async () => {
    const parameters = {
      type: 'object',
      properties: {
        destination: { $ref: '#/$defs/place' },
        stops: { type: 'array', items: { $ref: '#/$defs/place' }, maxItems: 5 },
        class: { type: 'string', enum: ['economy', 'business'] },
        seat: { anyOf: [{ type: 'string', pattern: '^[0-9]+[A-F]$' }, { type: 'null' }] },
        passengers: { type: 'integer', minimum: 1, maximum: 9 },
      },
      required: ['destination', 'stops', 'class', 'seat', 'passengers'],
      additionalProperties: false,
      $defs: {
        place: {
          type: 'object',
          properties: { city: { type: 'string' }, country: { type: ['string', 'null'] } },
          required: ['city', 'country'],
          additionalProperties: false,
        },
      },
    };
    queue.push(fixture('chat-answer'));
    const [body] = await upstreamBodies(() =>
      client.responses.create({
        model: 'chat/qwen',
        input: 'Book a trip',
        tools: [{ type: 'function', name: 'book_trip', parameters, strict: true }],
      }),
    );
    const tool = list(body!.tools)[0]!.function as Loose;
    assert.deepEqual(tool.parameters, parameters);
    assert.equal(tool.strict, true);
  });

  const fn = (parameters: Loose) => ({ tools: [{ type: 'function', name: 'f', strict: true, parameters }] });
  const invalid: Array<[string, Loose, string]> = [
    ['duplicate names', { tools: [strictTool('get_weather'), strictTool('get_weather')] }, 'tools[1].name'],
    [
      'missing additionalProperties: false',
      fn({ type: 'object', properties: {}, required: [] }),
      'tools[0].parameters',
    ],
    [
      'a property not in required',
      fn({
        type: 'object',
        properties: { a: { type: 'string' } },
        required: [],
        additionalProperties: false,
      }),
      'tools[0].parameters',
    ],
    [
      'an unsupported keyword',
      fn({
        type: 'object',
        properties: { a: { type: 'array', items: { type: 'string' }, uniqueItems: true } },
        required: ['a'],
        additionalProperties: false,
      }),
      'tools[0].parameters',
    ],
    [
      'a strict text format outside the subset',
      { text: { format: { type: 'json_schema', name: 'x', strict: true, schema: { type: 'string' } } } },
      'text.format.schema',
    ],
    [
      'tool_choice naming an unknown tool',
      { tools: [strictTool('get_weather')], tool_choice: { type: 'function', name: 'get_time' } },
      'tool_choice.name',
    ],
  ];
  for (const [what, body, param] of invalid) {
    test(`${what} is a 400 naming ${param}, and nothing goes upstream`, async () => {
      const bodies = await upstreamBodies(async () => {
        const error = await client.responses
          .create({ model: 'chat/qwen', input: 'Hi', ...body } as never)
          .catch((thrown: unknown) => thrown);
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.equal(error.param, param);
      });
      assert.equal(bodies.length, 0);
    });
  }
});

describe('tools and parameters an upstream cannot serve', () => {
  const request = {
    input: 'Search the web for the weather in Paris',
    tools: [{ type: 'web_search' as const }, strictTool('get_weather')],
  };

  test('a hosted tool on Anthropic is dropped by default, and the warning header says so', async () => {
    queue.push(fixture('anthropic-answer'));
    const [body] = await upstreamBodies(async () => {
      const { data, response } = await client.responses
        .create({ model: 'claude/sonnet', ...request })
        .withResponse();
      assert.equal(data.status, 'completed');
      assert.match(
        response.headers.get(WARNINGS_HEADER) ?? '',
        /^tools\[0\]\.type: dropped, A 'web_search' tool cannot be sent to Anthropic\. Portico does not run 'web_search' tools/,
      );
    });
    assert.deepEqual(
      list(body!.tools).map((tool) => tool.name),
      ['get_weather'],
    );
  });

  test('with drop_unsupported it is dropped, and the warning header says so, streamed or not', async () => {
    queue.push(fixture('anthropic-answer'));
    const [body] = await upstreamBodies(async () => {
      const { data, response } = await client.responses
        .create({ model: 'claude/lenient', ...request })
        .withResponse();
      assert.equal(data.status, 'completed');
      assert.match(
        response.headers.get(WARNINGS_HEADER) ?? '',
        /^tools\[0\]\.type: dropped, A 'web_search' tool/,
      );
    });
    assert.deepEqual(
      list(body!.tools).map((tool) => tool.name),
      ['get_weather'],
    );

    queue.push(fixture('anthropic-answer'));
    const { data: stream, response } = await client.responses
      .create({ model: 'claude/lenient', ...request, stream: true })
      .withResponse();
    let count = 0;
    for await (const _event of stream) count++;
    assert.ok(count > 3);
    assert.match(response.headers.get(WARNINGS_HEADER) ?? '', /tools\[0\]\.type: dropped/);
  });

  test('a reasoning effort the model does not take is a 400 naming reasoning.effort', async () => {
    const error = await client.responses
      .create({ model: 'oai/gpt-test', input: 'Hi', reasoning: { effort: 'high' } })
      .catch((thrown: unknown) => thrown);
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.param, 'reasoning.effort');
    assert.match(error.message, /it takes low, medium/);
  });

  test('chat completions: refused by default, dropped with the header when allowed', async () => {
    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const error = await client.chat.completions
      .create({ model: 'claude/sonnet', messages, seed: 7 })
      .catch((thrown: unknown) => thrown);
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.param, 'seed');
    queue.push(fixture('anthropic-answer'));
    const { data, response } = await client.chat.completions
      .create({ model: 'claude/lenient', messages, seed: 7, verbosity: 'low' })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'It is 18 degrees and sunny in Paris.');
    assert.equal(
      response.headers.get(WARNINGS_HEADER),
      'seed: dropped, Anthropic takes no seed.; verbosity: ignored, Anthropic takes no verbosity.',
    );
  });
});

describe('items clients send back', () => {
  const input = [
    {
      type: 'reasoning',
      id: 'rs_client_made_1',
      summary: [],
      content: null,
      encrypted_content: 'gAAAAABoPorticoOpaqueReasoningFromAnotherSession==',
    },
    {
      type: 'custom_tool_call',
      id: 'ctc_client_1',
      call_id: 'call_patch_1',
      name: 'apply_patch',
      input: '*** Begin Patch',
    },
    { type: 'custom_tool_call_output', id: 'ctco_client_1', call_id: 'call_patch_1', output: 'Applied.' },
    { type: 'message', id: 'msg_client_1', role: 'user', content: 'What next?' },
  ];

  test('reasoning with content null, custom tool outputs and client-made ids are accepted and kept', async () => {
    queue.push(fixture('openai-answer'));
    let response!: OpenAI.Responses.Response;
    const [body] = await upstreamBodies(async () => {
      response = await client.responses.create({
        model: 'oai/gpt-test',
        input: input as never,
        tools: [{ type: 'custom', name: 'apply_patch' }],
      });
    });
    assert.equal(response.status, 'completed');
    assert.deepEqual(
      list(body!.input).find((item) => item.type === 'custom_tool_call_output'),
      { type: 'custom_tool_call_output', call_id: 'call_patch_1', output: 'Applied.' },
    );
    const items = await client.responses.inputItems.list(response.id, { order: 'asc' });
    assert.deepEqual(
      items.data.map((item) => item.id),
      ['rs_client_made_1', 'ctc_client_1', 'ctco_client_1', 'msg_client_1'],
    );
  });

  test('the same items reach a chat-completions upstream as a tool call and a tool message', async () => {
    queue.push(fixture('chat-answer'));
    const [body] = await upstreamBodies(() =>
      client.responses.create({
        model: 'chat/qwen',
        input: input as never,
        tools: [{ type: 'custom', name: 'apply_patch' }],
      }),
    );
    const messages = list(body!.messages);
    assert.deepEqual(messages.slice(-3, -1), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_patch_1',
            type: 'function',
            function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_patch_1', content: 'Applied.' },
    ]);
  });
});
