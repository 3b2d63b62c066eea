import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelEvent } from '../src/providers/provider.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { ScriptedProvider, textEvents } from './support/scripted-provider.ts';
import { call, finish, fn, refused, run, useEngineStore, weather } from './support/tools-engine.ts';

// Tool definitions, tool_choice and tool call limits through the engine.
useEngineStore();

describe('tool definitions', () => {
  test('function tools are echoed with parameters and strict, and validate as OpenAI FunctionTools', async () => {
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const loose = { type: 'object', properties: { q: { type: 'string' } } };
    const { response } = await run(provider, {
      tools: [fn('no_args'), fn('weather', weather), fn('search', loose), fn('forced', loose, false)],
    });
    const tools = response.tools as Array<Record<string, unknown>>;
    for (const tool of tools) assertMatchesSchema('FunctionTool', tool);
    assert.deepEqual(
      tools.map((tool) => [tool.name, tool.strict, tool.parameters === null]),
      [
        ['no_args', true, true],
        ['weather', true, false],
        // strict left out: true only where the schema keeps strict mode's rules, never rewritten.
        ['search', false, false],
        ['forced', false, false],
      ],
    );
    const turnTools = provider.turns[0]!.tools as Array<{
      name: string;
      parameters: unknown;
      strict: boolean;
    }>;
    assert.deepEqual(turnTools[0]!.parameters, {
      type: 'object',
      properties: {},
      required: [],
      additionalProperties: false,
    });
    assert.deepEqual(turnTools[2]!.parameters, loose);
  });

  test('duplicate names, across function and custom tools, are a 400 naming the second', async () => {
    const error = await refused({ tools: [fn('lookup'), { type: 'custom', name: 'lookup' }] });
    assert.equal(error.status, 400);
    assert.equal(error.param, 'tools[1].name');
    assert.match(error.message, /Duplicate tool name 'lookup'/);
  });

  test("a namespace's tools and a tool search's fields are checked as top-level tools are: a 400 naming them", async () => {
    const space = (tools: unknown) => ({ type: 'namespace', name: 'crm', description: 'CRM', tools });
    const cases: Array<[unknown, string]> = [
      // Each was a 500: the engine read them as the tools they claimed to be.
      [space('x'), 'tools[0].tools'],
      [space([]), 'tools[0].tools'],
      [space([null]), 'tools[0].tools[0]'],
      [space([{ type: 'function', name: 'bad name!' }]), 'tools[0].tools[0].name'],
      [space([{ type: 'function', name: 'f', description: 5 }]), 'tools[0].tools[0].description'],
      [space([{ type: 'custom', name: 'c', format: 'x' }]), 'tools[0].tools[0].format'],
      [space([{ type: 'web_search' }]), 'tools[0].tools[0].type'],
      [{ ...space([fn('f')]), name: 'a namespace' }, 'tools[0].name'],
      // Checked as top-level functions are: unique within their namespace, strict ones strict.
      [space([fn('a'), fn('a')]), 'tools[0].tools[1].name'],
      [
        space([fn('s', { type: 'object', properties: { a: { type: 'string' } } }, true)]),
        'tools[0].tools[0].parameters',
      ],
      [{ type: 'tool_search', execution: 'client', description: 5 }, 'tools[0].description'],
      [{ type: 'tool_search', execution: 'nobody' }, 'tools[0].execution'],
    ];
    for (const [tool, param] of cases) {
      const error = await refused({ tools: [tool] });
      assert.equal(error.status, 400, JSON.stringify(tool));
      assert.equal(error.param, param, JSON.stringify(tool));
    }
    // Tools a client's tool search loaded are offered too, so they are checked alike.
    const loaded = await refused({
      input: [
        { role: 'user', content: 'hi' },
        { type: 'tool_search_output', call_id: 'ts_1', execution: 'client', tools: [space('x')] },
      ],
    });
    assert.equal(loaded.status, 400);
    assert.equal(loaded.param, 'input[1].tools[0].tools');
  });

  test('parameters that are not an object schema are a 400 naming them', async () => {
    const error = await refused({ tools: [fn('a'), fn('b', { type: 'string' })] });
    assert.equal(error.param, 'tools[1].parameters');
    assert.match(error.message, /type "object"/);
  });

  test('each strict-mode rule is a 400 naming the parameter, the JSON path and the keyword', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...weather, additionalProperties: undefined }, /at \$, 'additionalProperties': must be false/],
      [
        { ...weather, properties: { ...weather.properties, extra: { type: 'object', properties: {} } } },
        /at \$, 'required': property 'extra' is missing/,
      ],
      [
        {
          ...weather,
          properties: {
            city: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
            unit: weather.properties.unit,
          },
        },
        /at \$\.properties\.city, 'additionalProperties'/,
      ],
      [
        { ...weather, properties: { city: { allOf: [{ type: 'string' }] }, unit: weather.properties.unit } },
        /at \$\.properties\.city, 'allOf': 'allOf' is not supported in strict mode/,
      ],
      [
        { ...weather, properties: { city: { oneOf: [{ type: 'string' }] }, unit: weather.properties.unit } },
        /'oneOf'.*use anyOf instead/,
      ],
      [
        {
          ...weather,
          properties: { city: { type: 'string', format: 'uri' }, unit: weather.properties.unit },
        },
        /at \$\.properties\.city, 'format'/,
      ],
      [
        { ...weather, properties: { city: { type: 'array' }, unit: weather.properties.unit } },
        /'items': an array schema needs "items"/,
      ],
      [{ anyOf: [weather] }, /at \$, 'anyOf': the root must be an object schema/],
      [
        { ...weather, properties: { city: { $ref: '#/$defs/missing' }, unit: weather.properties.unit } },
        /'\$ref': "#\/\$defs\/missing" points at nothing/,
      ],
      [
        {
          ...weather,
          properties: { city: { type: 'string', minimum: 'three' }, unit: weather.properties.unit },
        },
        /not a valid JSON schema/,
      ],
      [
        {
          ...weather,
          properties: { city: { type: 'string', pattern: '^(?=(a+)+$)' }, unit: weather.properties.unit },
        },
        /at \$\.properties\.city, 'pattern': uses a lookaround, which strict mode does not take/,
      ],
      [
        {
          ...weather,
          properties: { city: { type: 'string', pattern: '^(a+)\\1$' }, unit: weather.properties.unit },
        },
        /'pattern': uses a backreference, which strict mode does not take/,
      ],
      [
        {
          ...weather,
          properties: { city: { type: 'string', pattern: '^(a+$' }, unit: weather.properties.unit },
        },
        /'pattern': must be a valid regular expression/,
      ],
    ];
    for (const [parameters, message] of cases) {
      const error = await refused({ tools: [fn('weather', parameters, true)] });
      assert.equal(error.status, 400);
      assert.equal(error.param, 'tools[0].parameters');
      assert.match(error.message, /^Invalid schema for function 'weather' in strict mode: /);
      assert.match(error.message, message);
    }
  });

  test('objects nested past ten levels are refused; ten are accepted', async () => {
    const nest = (levels: number): Record<string, unknown> =>
      levels === 1
        ? { type: 'object', properties: {}, required: [], additionalProperties: false }
        : {
            type: 'object',
            properties: { n: nest(levels - 1) },
            required: ['n'],
            additionalProperties: false,
          };
    const provider = new ScriptedProvider(() => textEvents('ok'));
    await run(provider, { tools: [fn('deep', nest(10), true)] });
    const error = await refused({ tools: [fn('deep', nest(11), true)] });
    assert.match(error.message, /objects nest 11 levels deep here; strict mode allows 10/);
  });

  test('the documented size limits hold: enum values, large string enums, property count', async () => {
    const withEnum = (values: string[]) => ({
      type: 'object',
      properties: { pick: { type: 'string', enum: values } },
      required: ['pick'],
      additionalProperties: false,
    });
    const numbered = (count: number, width = 1) =>
      Array.from({ length: count }, (_, n) => String(n).padStart(width, '0'));
    await run(new ScriptedProvider(() => textEvents('ok')), {
      tools: [fn('pick', withEnum(numbered(1000)), true)],
    });
    const many = await refused({ tools: [fn('pick', withEnum(numbered(1001)), true)] });
    assert.match(many.message, /1001 enum values in all; the limit is 1000/);
    const long = await refused({ tools: [fn('pick', withEnum(numbered(300, 60)), true)] });
    assert.match(long.message, /more than 250 string values may total at most 15000 characters/);
    const wide = {
      type: 'object',
      properties: Object.fromEntries(numbered(5001).map((name) => [`p${name}`, { type: 'string' }])),
      required: numbered(5001).map((name) => `p${name}`),
      additionalProperties: false,
    };
    const error = await refused({ tools: [fn('wide', wide, true)] });
    assert.match(error.message, /5001 object properties in all; the limit is 5000/);
  });

  test('a strict text.format schema breaking the rules is a 400 naming text.format.schema', async () => {
    const error = await refused({
      text: { format: { type: 'json_schema', name: 'weather', strict: true, schema: { type: 'object' } } },
    });
    assert.equal(error.param, 'text.format.schema');
    assert.match(error.message, /response format 'weather'.*'additionalProperties'/);
    // Without strict, the same schema is only a hint.
    await run(new ScriptedProvider(() => textEvents('{}')), {
      text: { format: { type: 'json_schema', name: 'weather', schema: { type: 'object' } } },
    });
  });

  test('strict schemas with nested objects, enums, arrays, nullable fields, formats and recursive $defs are accepted', async () => {
    const schema = {
      type: 'object',
      properties: {
        order: {
          type: 'object',
          properties: {
            id: { type: 'string', pattern: '^ord_[a-z0-9]+$' },
            placed: { type: 'string', format: 'date-time' },
            status: { type: 'string', enum: ['open', 'shipped'] },
            lines: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                properties: {
                  sku: { type: 'string' },
                  quantity: { type: 'integer', minimum: 1, maximum: 99 },
                  gift: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
                },
                required: ['sku', 'quantity', 'gift'],
                additionalProperties: false,
              },
            },
          },
          required: ['id', 'placed', 'status', 'lines'],
          additionalProperties: false,
        },
        note: { type: ['string', 'null'], maxLength: 200 },
        category: { $ref: '#/$defs/category' },
      },
      required: ['order', 'note', 'category'],
      additionalProperties: false,
      $defs: {
        category: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            parent: { anyOf: [{ $ref: '#/$defs/category' }, { type: 'null' }] },
          },
          required: ['name', 'parent'],
          additionalProperties: false,
        },
      },
    };
    const answer = {
      order: {
        id: 'ord_42',
        placed: '2026-03-05T09:30:00Z',
        status: 'open',
        lines: [{ sku: 'A-1', quantity: 2, gift: null }],
      },
      note: null,
      category: { name: 'books', parent: { name: 'media', parent: null } },
    };
    const provider = new ScriptedProvider(() => textEvents(JSON.stringify(answer)));
    const { response } = await run(provider, {
      tools: [fn('place_order', schema, true)],
      text: { format: { type: 'json_schema', name: 'order', strict: true, schema } },
    });
    assert.equal(response.status, 'completed');
    // The same checks catch a break deep inside the recursion.
    answer.category.parent.parent = { name: 7 } as never;
    const deep = await run(new ScriptedProvider(() => textEvents(JSON.stringify(answer))), {
      text: { format: { type: 'json_schema', name: 'order', strict: true, schema } },
    });
    assert.match((deep.response.error as { message: string }).message, /at \$\.category\.parent\.parent/);
    assert.deepEqual((provider.turns[0]!.tools[0] as { parameters: unknown }).parameters, schema);
  });
});

describe('tool_choice', () => {
  const tools = [fn('get_weather', weather), { type: 'custom', name: 'apply_patch_tool' }];

  test('naming a tool that is not in tools is a 400 naming tool_choice.name', async () => {
    const error = await refused({ tools, tool_choice: { type: 'function', name: 'get_time' } });
    assert.equal(error.param, 'tool_choice.name');
    assert.match(error.message, /"get_time".*'get_weather', 'apply_patch_tool'/);
    const custom = await refused({ tools, tool_choice: { type: 'custom', name: 'get_weather' } });
    assert.equal(custom.param, 'tool_choice.name');
  });

  test('an allowed_tools entry that is not in tools is a 400 naming it', async () => {
    const error = await refused({
      tools,
      tool_choice: {
        type: 'allowed_tools',
        mode: 'required',
        tools: [
          { type: 'function', name: 'get_weather' },
          { type: 'function', name: 'nope' },
        ],
      },
    });
    assert.equal(error.param, 'tool_choice.tools[1]');
  });

  test('requiring or forcing a call without tools is a 400 naming tool_choice', async () => {
    assert.equal((await refused({ tool_choice: 'required' })).param, 'tool_choice');
    assert.equal((await refused({ tool_choice: { type: 'file_search' } })).param, 'tool_choice');
  });

  test('a function inside a namespace tool can be forced', async () => {
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const files = { type: 'namespace', name: 'files', description: 'File tools', tools: [fn('read_file')] };
    await run(provider, { tools: [files], tool_choice: { type: 'function', name: 'read_file' } });
    assert.deepEqual(provider.turns[0]!.toolChoice, { type: 'function', name: 'read_file' });
    const error = await refused({ tools: [files], tool_choice: { type: 'function', name: 'write_file' } });
    assert.match(error.message, /the request's tools are 'read_file'/);
  });

  test('every valid form reaches the provider as given', async () => {
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const forms = [
      'none',
      'auto',
      'required',
      { type: 'function', name: 'get_weather' },
      { type: 'custom', name: 'apply_patch_tool' },
      { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'custom', name: 'apply_patch_tool' }] },
    ];
    for (const choice of forms) await run(provider, { tools, tool_choice: choice });
    assert.deepEqual(
      provider.turns.map((turn) => turn.toolChoice),
      [...forms.slice(0, -1), 'auto'],
      'allowed_tools reaches the provider as its mode, over the allowed tools alone',
    );
    assert.deepEqual(
      provider.turns.at(-1)!.tools.map((tool) => (tool as { name: string }).name),
      ['apply_patch_tool'],
    );
  });
});

describe('tool call limits', () => {
  const three: ModelEvent[] = [
    { type: 'tool-call-start', callId: 'call_a', name: 'get_weather', kind: 'function' },
    { type: 'tool-call-start', callId: 'call_b', name: 'get_weather', kind: 'function' },
    { type: 'tool-call-delta', callId: 'call_a', delta: '{"city":"Oslo","unit":null}' },
    { type: 'tool-call-delta', callId: 'call_b', delta: '{"city":"Rome","unit":"c"}' },
    { type: 'tool-call-end', callId: 'call_a' },
    { type: 'tool-call-end', callId: 'call_b' },
    ...call('call_c', 'get_weather', '{"city":"Lima","unit":"f"}'),
    ...finish('tool-calls'),
  ];
  const tools = [fn('get_weather', weather)];

  test('parallel_tool_calls false leaves one call, whatever the upstream sent', async () => {
    const { response, events } = await run(new ScriptedProvider(() => three), {
      tools,
      parallel_tool_calls: false,
    });
    const output = response.output as Array<Record<string, unknown>>;
    assert.deepEqual(
      output.map((item) => [item.type, item.call_id, item.arguments]),
      [['function_call', 'call_a', '{"city":"Oslo","unit":null}']],
    );
    assert.equal(response.status, 'completed');
    assert.equal(events.filter((e) => e.type === 'response.function_call_arguments.delta').length, 1);
  });

  test('max_tool_calls caps the calls of the response', async () => {
    const { response } = await run(new ScriptedProvider(() => three), { tools, max_tool_calls: 2 });
    assert.deepEqual(
      (response.output as Array<{ call_id: string }>).map((item) => item.call_id),
      ['call_a', 'call_b'],
    );
    assert.equal(response.max_tool_calls, 2);
  });

  test('without limits every call comes through', async () => {
    const { response } = await run(new ScriptedProvider(() => three), { tools });
    assert.equal((response.output as unknown[]).length, 3);
  });
});
