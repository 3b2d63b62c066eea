import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { WARNINGS_HEADER } from '../src/api/warnings-header.ts';
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

// Tool definitions and schemas over HTTP, what an upstream cannot serve, and the items clients send back.
useToolsUpstream();

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
      client().responses.create({
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
        const error = await client()
          .responses.create({ model: 'chat/qwen', input: 'Hi', ...body } as never)
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
      const { data, response } = await client()
        .responses.create({ model: 'claude/sonnet', ...request })
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
      const { data, response } = await client()
        .responses.create({ model: 'claude/lenient', ...request })
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
    const { data: stream, response } = await client()
      .responses.create({ model: 'claude/lenient', ...request, stream: true })
      .withResponse();
    let count = 0;
    for await (const _event of stream) count++;
    assert.ok(count > 3);
    assert.match(response.headers.get(WARNINGS_HEADER) ?? '', /tools\[0\]\.type: dropped/);
  });

  test('a reasoning effort the model does not take is a 400 naming reasoning.effort', async () => {
    const error = await client()
      .responses.create({ model: 'oai/gpt-test', input: 'Hi', reasoning: { effort: 'high' } })
      .catch((thrown: unknown) => thrown);
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.param, 'reasoning.effort');
    assert.match(error.message, /it takes low, medium/);
  });

  test('chat completions: refused by default, dropped with the header when allowed', async () => {
    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const error = await client()
      .chat.completions.create({ model: 'claude/sonnet', messages, seed: 7 })
      .catch((thrown: unknown) => thrown);
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.param, 'seed');
    queue.push(fixture('anthropic-answer'));
    const { data, response } = await client()
      .chat.completions.create({ model: 'claude/lenient', messages, seed: 7, verbosity: 'low' })
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
      response = await client().responses.create({
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
    const items = await client().responses.inputItems.list(response.id, { order: 'asc' });
    assert.deepEqual(
      items.data.map((item) => item.id),
      ['rs_client_made_1', 'ctc_client_1', 'ctco_client_1', 'msg_client_1'],
    );
  });

  test('the same items reach a chat-completions upstream as a tool call and a tool message', async () => {
    queue.push(fixture('chat-answer'));
    const [body] = await upstreamBodies(() =>
      client().responses.create({
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
