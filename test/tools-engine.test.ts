import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateResponseRequest, parseBody } from '../src/api/request.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { startResponse, type EngineContext } from '../src/engine/create-response.ts';
import { randomId } from '../src/engine/ids.ts';
import {
  cachedValidatorCount,
  MAX_CACHED_VALIDATORS,
  schemaValidator,
} from '../src/engine/schema-validators.ts';
import type { ModelEvent, Turn, Unsupported } from '../src/providers/provider.ts';
import type { ResponseStore } from '../src/store/response-store.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import type { Stores } from '../src/store/stores.ts';
import { rejection } from './support/api-error-checks.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { ScriptedProvider, textEvents } from './support/scripted-provider.ts';
import { checkResponseStream } from './support/stream-checks.ts';

const model: CatalogModel = {
  id: 'test/tools',
  provider: 'scripted',
  upstreamModel: 'scripted',
  task: 'Text Generation',
  ownedBy: 'Test',
  proxied: false,
  contextWindow: 8192,
  capabilities: { tools: true, vision: false, structuredOutput: true, reasoningEfforts: ['low', 'high'] },
};

/** A scripted provider that also reports what it cannot serve. */
class PickyProvider extends ScriptedProvider {
  constructor(
    script: (turn: Turn) => ModelEvent[],
    private readonly cannot: (turn: Turn) => Unsupported[],
  ) {
    super(script);
  }
  unsupported(turn: Turn): Unsupported[] {
    return this.cannot(turn);
  }
}

let dataDir: string;
let stores: Stores;
let store: ResponseStore;
before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'portico-tools-engine-'));
  stores = openSqliteStores({ dataDir });
  store = stores.responses;
});
after(async () => {
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Setup {
  models?: CatalogModel[];
  dropUnsupported?: boolean;
  hostedTools?: 'drop' | 'refuse';
  logged?: Array<{ message: string; fields?: Record<string, unknown> }>;
}

function context(provider: ScriptedProvider, setup: Setup = {}): EngineContext {
  const logged = setup.logged ?? [];
  const log = (message: string, fields?: Record<string, unknown>) =>
    logged.push({ message, ...(fields ? { fields } : {}) });
  return {
    catalog: new Catalog(setup.models ?? [model], new Map([['scripted', provider]])),
    store,
    newId: randomId,
    now: Date.now,
    owner: 'tools-tester',
    logger: { info: log, warn: log, error: log },
    ...(setup.dropUnsupported !== undefined ? { dropUnsupported: setup.dropUnsupported } : {}),
    ...(setup.hostedTools !== undefined ? { hostedToolsPolicy: setup.hostedTools } : {}),
  };
}

async function run(provider: ScriptedProvider, body: Record<string, unknown>, setup: Setup = {}) {
  const request = parseBody(CreateResponseRequest, { model: model.id, input: 'Hi', ...body });
  const started = await startResponse(request, context(provider, setup), new AbortController().signal);
  const events: Array<Record<string, unknown>> = [];
  for await (const event of started.events) events.push({ ...event });
  return { events, response: checkResponseStream(events), warnings: started.warnings };
}

function refused(body: Record<string, unknown>, provider = new ScriptedProvider(() => textEvents('ok'))) {
  return rejection(run(provider, body));
}

function call(callId: string, name: string, args: string): ModelEvent[] {
  return [
    { type: 'tool-call-start', callId, name, kind: 'function' },
    { type: 'tool-call-delta', callId, delta: args },
    { type: 'tool-call-end', callId },
  ];
}

const finish = (reason: 'stop' | 'tool-calls' | 'length' = 'stop'): ModelEvent[] => [
  { type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } },
  { type: 'finish', reason },
];

const weather = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'A city name' },
    unit: { type: ['string', 'null'], enum: ['c', 'f', null] },
  },
  required: ['city', 'unit'],
  additionalProperties: false,
};

const fn = (name: string, parameters?: unknown, strict?: boolean) => ({
  type: 'function',
  name,
  ...(parameters !== undefined ? { parameters } : {}),
  ...(strict !== undefined ? { strict } : {}),
});

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

describe('strict output checks', () => {
  const format = (strict: boolean) => ({
    format: { type: 'json_schema', name: 'weather_report', strict, schema: weather },
  });

  test('text that matches the strict schema completes', async () => {
    const { response } = await run(new ScriptedProvider(() => textEvents('{"city": "Oslo", "unit": null}')), {
      text: format(true),
    });
    assert.equal(response.status, 'completed');
  });

  test('text that breaks the strict schema fails the response, naming schema, path and rule, output kept', async () => {
    const logged: NonNullable<Setup['logged']> = [];
    const { response } = await run(
      new ScriptedProvider(() => textEvents('{"city": "Oslo", "unit": "kelvin"}')),
      { text: format(true) },
      { logged },
    );
    assert.equal(response.status, 'failed');
    const error = response.error as { code: string; message: string };
    assert.equal(error.code, 'server_error');
    assert.match(error.message, /strict JSON schema 'weather_report': at \$\.unit: .* \(enum\)/);
    const output = response.output as Array<{ type: string; status: string }>;
    assert.deepEqual(
      output.map((item) => [item.type, item.status]),
      [['message', 'completed']],
    );
    assert.equal(response.output_text, '{"city": "Oslo", "unit": "kelvin"}');
    assert.ok(logged.some((entry) => entry.message === 'model output broke a strict schema'));
  });

  test('text that is not JSON, or misses a property, fails with what broke', async () => {
    const notJson = await run(new ScriptedProvider(() => textEvents('Oslo, sunny')), { text: format(true) });
    assert.match((notJson.response.error as { message: string }).message, /it is not valid JSON/);
    const missing = await run(new ScriptedProvider(() => textEvents('{"city": "Oslo"}')), {
      text: format(true),
    });
    assert.match(
      (missing.response.error as { message: string }).message,
      /at \$\.unit: is required but missing \(required\)/,
    );
  });

  test('without strict, a refusal, or a cut-off answer, nothing is checked', async () => {
    const loose = await run(new ScriptedProvider(() => textEvents('not json')), { text: format(false) });
    assert.equal(loose.response.status, 'completed');
    const refusal = await run(
      new ScriptedProvider(() => [{ type: 'refusal-delta', delta: 'I cannot help with that.' }, ...finish()]),
      { text: format(true) },
    );
    assert.equal(refusal.response.status, 'completed');
    const cut = await run(
      new ScriptedProvider(() => [{ type: 'text-delta', delta: '{"city": "Os' }, ...finish('length')]),
      { text: format(true) },
    );
    assert.equal(cut.response.status, 'incomplete');
  });

  test('arguments of a strict function that break its schema fail the response; non-strict ones pass', async () => {
    const events = [...call('call_9', 'get_weather', '{"city": 7, "unit": "c"}'), ...finish('tool-calls')];
    const strict = await run(new ScriptedProvider(() => events), { tools: [fn('get_weather', weather)] });
    assert.equal(strict.response.status, 'failed');
    assert.match(
      (strict.response.error as { message: string }).message,
      /strict function 'get_weather' \(call call_9\) do not match its parameters: at \$\.city: must be string \(type\)/,
    );
    assert.equal((strict.response.output as Array<{ status: string }>)[0]!.status, 'completed');
    const loose = await run(new ScriptedProvider(() => events), {
      tools: [fn('get_weather', weather, false)],
    });
    assert.equal(loose.response.status, 'completed');
  });

  test('a call without arguments to a strict function taking none passes', async () => {
    const events = [
      { type: 'tool-call-start', callId: 'call_0', name: 'now', kind: 'function' } as const,
      { type: 'tool-call-end', callId: 'call_0' } as const,
      ...finish('tool-calls'),
    ];
    const { response } = await run(new ScriptedProvider(() => events), { tools: [fn('now')] });
    assert.equal(response.status, 'completed');
  });

  test('string formats are checked: a date that is not a date fails', async () => {
    const schema = {
      type: 'object',
      properties: { day: { type: 'string', format: 'date' }, id: { type: 'string', format: 'uuid' } },
      required: ['day', 'id'],
      additionalProperties: false,
    };
    const body = { text: { format: { type: 'json_schema', name: 'day', strict: true, schema } } };
    const ok = await run(
      new ScriptedProvider(() =>
        textEvents('{"day": "2026-03-05", "id": "0f8b1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"}'),
      ),
      body,
    );
    assert.equal(ok.response.status, 'completed');
    const bad = await run(
      new ScriptedProvider(() =>
        textEvents('{"day": "March 5th", "id": "0f8b1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"}'),
      ),
      body,
    );
    assert.match((bad.response.error as { message: string }).message, /at \$\.day: must match format "date"/);
  });
});

describe('unsupported tools and parameters', () => {
  const hostedAndSeed = (turn: Turn): Unsupported[] => [
    ...turn.tools.flatMap((tool, index) =>
      tool.type.startsWith('web_search')
        ? [{ param: `tools[${index}].type`, message: 'No web search here.' }]
        : [],
    ),
    ...(turn.sampling.seed !== undefined ? [{ param: 'seed', message: 'No seed here.' }] : []),
    ...(turn.text.verbosity ? [{ param: 'text.verbosity', message: 'No verbosity.', harmless: true }] : []),
  ];
  const body = {
    tools: [fn('get_weather', weather), { type: 'web_search' }],
    seed: 7,
    text: { verbosity: 'low' },
  };

  test('by default the first unsupported item is a 400 naming it and saying how to drop it', async () => {
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const error = await rejection(run(provider, body));
    assert.equal(error.status, 400);
    assert.equal(error.param, 'seed', 'the hosted tool is dropped, not refused');
    assert.equal(error.code, 'unsupported_parameter');
    assert.match(error.message, /No seed here\..*drop_unsupported: true/);
    assert.equal(provider.turns.length, 0);
  });

  test('a hosted tool the provider cannot run is dropped with a warning, or refused when configured', async () => {
    const tools = [fn('get_weather', weather), { type: 'web_search' }];
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const { warnings, response } = await run(provider, { tools });
    assert.equal(response.status, 'completed');
    assert.deepEqual(warnings, [
      "tools[1].type: dropped, No web search here. Portico does not run 'web_search' tools for this model.",
    ]);
    assert.deepEqual(
      provider.turns[0]!.tools.map((tool) => tool.type),
      ['function'],
    );
    const error = await rejection(run(provider, { tools }, { hostedTools: 'refuse' }));
    assert.equal(error.param, 'tools[1].type');
    assert.equal(error.code, 'unsupported_parameter');
  });

  test('harmless items alone are warnings, removed from the turn', async () => {
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const { warnings, response } = await run(provider, {
      text: { verbosity: 'low' },
      prompt_cache_key: 'k1',
    });
    assert.equal(response.status, 'completed');
    assert.deepEqual(warnings, [
      'prompt_cache_key: ignored, Portico does not pass prompt cache keys upstream.',
      'text.verbosity: ignored, No verbosity.',
    ]);
    assert.equal(provider.turns[0]!.text.verbosity, undefined);
  });

  test('with drop_unsupported they are removed from the turn, warned about and logged', async () => {
    const logged: NonNullable<Setup['logged']> = [];
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const lenient = { ...model, dropUnsupported: true };
    const { warnings, response } = await run(provider, body, { models: [lenient], logged });
    assert.equal(response.status, 'completed');
    assert.deepEqual(warnings, [
      "tools[1].type: dropped, No web search here. Portico does not run 'web_search' tools for this model.",
      'seed: dropped, No seed here.',
      'text.verbosity: ignored, No verbosity.',
    ]);
    const turn = provider.turns[0]!;
    assert.deepEqual(
      turn.tools.map((tool) => tool.type),
      ['function'],
    );
    assert.equal(turn.sampling.seed, undefined);
    // The echo still lists what the client asked for.
    assert.equal((response.tools as unknown[]).length, 2);
    assert.deepEqual(logged.find((entry) => entry.message.startsWith('request served'))?.fields, {
      model: model.id,
      warnings,
    });
  });

  test('the global setting applies unless the model says otherwise', async () => {
    const picky = () => new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const global = await run(picky(), body, { dropUnsupported: true });
    assert.equal(global.response.status, 'completed');
    const strictModel = { ...model, dropUnsupported: false };
    const error = await rejection(run(picky(), body, { dropUnsupported: true, models: [strictModel] }));
    assert.equal(error.param, 'seed');
  });

  test('a dropped forced tool leaves tool_choice on auto', async () => {
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    await run(
      provider,
      { tools: [{ type: 'web_search_preview' }, fn('x')], tool_choice: { type: 'web_search_preview' } },
      { dropUnsupported: true },
    );
    assert.equal(provider.turns[0]!.toolChoice, 'auto');
  });

  test('reasoning the model does not take: reasoning.effort outside its efforts, reasoning on a model that does not reason', async () => {
    const effort = await refused({ reasoning: { effort: 'medium' } });
    assert.equal(effort.param, 'reasoning.effort');
    assert.match(effort.message, /does not take reasoning effort 'medium'; it takes low, high/);
    const plain = {
      ...model,
      id: 'test/plain',
      capabilities: { ...model.capabilities, reasoningEfforts: [] },
    };
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const error = await rejection(
      startResponse(
        parseBody(CreateResponseRequest, { model: plain.id, input: 'Hi', reasoning: { effort: 'low' } }),
        context(provider, { models: [plain] }),
        new AbortController().signal,
      ),
    );
    assert.equal(error.param, 'reasoning');
    // `effort: none` asks for no reasoning, which any model gives.
    await startResponse(
      parseBody(CreateResponseRequest, { model: plain.id, input: 'Hi', reasoning: { effort: 'none' } }),
      context(provider, { models: [plain] }),
      new AbortController().signal,
    );
  });

  test('images for a model without vision are named by their place in input; dropped, the message keeps its text', async () => {
    const input = [
      { role: 'user', content: 'First' },
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'https://example.com/cat.png' },
        ],
      },
    ];
    const error = await refused({ input });
    assert.equal(error.param, 'input[1].content[1]');
    assert.match(error.message, /does not take images/);
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const { warnings } = await run(provider, { input }, { dropUnsupported: true });
    assert.deepEqual(warnings, [
      "input[1].content[1]: dropped, The model 'test/tools' does not take images.",
    ]);
    const kept = provider.turns[0]!.items[1] as { content: unknown };
    assert.deepEqual(kept.content, [{ type: 'input_text', text: 'What is this?' }]);
  });

  test('an item of the previous response context is named by previous_response_id', async () => {
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const withImage = [
      {
        role: 'user',
        content: [{ type: 'input_image', image_url: 'https://example.com/cat.png' }],
      },
    ];
    const lenient = { ...model, dropUnsupported: true };
    const first = await run(provider, { input: withImage }, { models: [lenient] });
    const error = await refused({ input: 'And now?', previous_response_id: first.response.id });
    assert.equal(error.param, 'previous_response_id');
    assert.match(error.message, /^previous_response_id \(context item 0, content\[0\]\): /);
  });

  test('tools for a model that cannot call them', async () => {
    const noTools = { ...model, capabilities: { ...model.capabilities, tools: false } };
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const error = await rejection(run(provider, { tools: [fn('a')] }, { models: [noTools] }));
    assert.equal(error.param, 'tools[0]');
    await run(
      provider,
      { tools: [fn('a')], tool_choice: 'required' },
      { models: [{ ...noTools, dropUnsupported: true }] },
    );
    assert.deepEqual(provider.turns[0]!.tools, []);
    assert.equal(provider.turns[0]!.toolChoice, 'auto');
  });

  test('settings Portico does not act on are harmless warnings', async () => {
    const { warnings } = await run(new ScriptedProvider(() => textEvents('ok')), {
      service_tier: 'flex',
      truncation: 'auto',
      moderation: { model: 'omni-moderation-latest' },
    });
    assert.deepEqual(
      warnings.map((warning) => warning.split(':')[0]),
      ['service_tier', 'moderation'],
      'truncation is acted on (fit-context.ts), no longer a warning',
    );
  });
});

describe('schema validators', () => {
  test('compiled validators are cached by content and bounded', () => {
    const schema = (n: number) => ({
      type: 'object',
      properties: { n: { const: n } },
      required: ['n'],
      additionalProperties: false,
    });
    assert.equal(schemaValidator(schema(0)), schemaValidator(structuredClone(schema(0))));
    for (let n = 0; n < MAX_CACHED_VALIDATORS + 50; n++) assert.ok(schemaValidator(schema(n))({ n }));
    assert.equal(cachedValidatorCount(), MAX_CACHED_VALIDATORS);
    // An evicted schema compiles again and still checks.
    assert.equal(schemaValidator(schema(0))({ n: 1 }), false);
  });
});
