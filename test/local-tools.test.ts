import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import {
  getLlama,
  Llama2ChatWrapper,
  LlamaLogLevel,
  LlamaText,
  type ChatWrapperGeneratedContextState,
  type ChatWrapperGeneratedPrefixTriggersContextState,
  type ChatWrapperGenerateContextStateOptions,
  type Llama,
} from 'node-llama-cpp';
import { ApiError } from '../src/api/errors.ts';
import type { Item } from '../src/api/items.ts';
import type { Tool } from '../src/api/tools.ts';
import { customToolGbnf } from '../src/providers/local/custom-tool-gbnf.ts';
import { ForcedCallReader } from '../src/providers/local/forced-call-reader.ts';
import { jsonSchemaGbnf } from '../src/providers/local/json-schema-gbnf.ts';
import { toGbnfJsonSchema } from '../src/providers/local/json-schema-subset.ts';
import { listLocalModels } from '../src/providers/local/list-local-models.ts';
import { LocalProvider } from '../src/providers/local/local-provider.ts';
import { turnToChatHistory } from '../src/providers/local/turn-to-chat-history.ts';
import type { ModelEvent, Turn } from '../src/providers/provider.ts';
import { collect, localTurn, userMessage } from './support/local-turn.ts';
import {
  readEventStream,
  sharedModelsDir,
  startPortico,
  TINY_MODEL,
  type TestPortico,
} from './support/portico.ts';
import { checkResponseStream } from './support/stream-checks.ts';

const RANDOM_MODEL = 'local/llama-2-tiny-random';

const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajv.addFormat('date', /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
ajv.addFormat('time', /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/);
ajv.addFormat(
  'date-time',
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/,
);

/** Parses JSON text and checks it against a schema with ajv, failing with ajv's errors. */
function assertMatches(text: string, schema: object, label: string): unknown {
  const value: unknown = JSON.parse(text);
  const validate = ajv.compile(schema);
  assert.ok(
    validate(value),
    `${label}: ${JSON.stringify(value)} breaks the schema: ${ajv.errorsText(validate.errors)}`,
  );
  return value;
}

/**
 * Whether `text` is the start of a JSON object: some short ending (a closing quote, a value
 * for a pending key, the rest of a literal, then the closing brackets) makes it one.
 */
function isJsonObjectPrefix(text: string): boolean {
  if (!text.trimStart().startsWith('{')) return false;
  const closers: string[] = [];
  let inString = false;
  let escaped = false;
  for (const char of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') closers.push(char === '{' ? '}' : ']');
    else if (char === '}' || char === ']') closers.pop();
  }
  const closing = closers.reverse().join('');
  const quotes = escaped ? ['"', '\\"'] : inString ? ['"'] : [''];
  const endings = ['', '0', ':0', '":0', 'e', 'ue', 'rue', 'lse', 'alse', 'se', 'l', 'll', 'ull'];
  return quotes.some((quote) =>
    endings.some((ending) => {
      try {
        JSON.parse(text + quote + ending + closing);
        return true;
      } catch {
        return false;
      }
    }),
  );
}

/** The 400 an SDK call must fail with: its param, and words its message must hold. */
async function assertBadRequest(call: Promise<unknown>, param: string, ...words: string[]): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.param, param);
    for (const word of words)
      assert.ok(error.message.includes(word), `${JSON.stringify(word)} in: ${error.message}`);
    return true;
  });
}

function refusal(schema: unknown, ...words: string[]): void {
  assert.throws(
    () => toGbnfJsonSchema(schema, 'text.format.schema'),
    (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 400);
      assert.equal(error.param, 'text.format.schema');
      for (const word of words)
        assert.ok(error.message.includes(word), `${JSON.stringify(word)} in: ${error.message}`);
      return true;
    },
  );
}

// A strict schema (every property required, no extra properties) with nested objects,
// enums, arrays, nullable fields and $defs; strings and arrays are bounded so that every run
// finishes within the token limit.
const STRICT_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 16 },
    mood: { enum: ['happy', 'sad', 'calm'] },
    age: { type: ['integer', 'null'] },
    home: { $ref: '#/$defs/place' },
    pets: { type: 'array', items: { $ref: '#/$defs/pet' }, maxItems: 3 },
    note: { anyOf: [{ type: 'string', maxLength: 12 }, { type: 'null' }] },
  },
  required: ['name', 'mood', 'age', 'home', 'pets', 'note'],
  additionalProperties: false,
  $defs: {
    place: {
      type: 'object',
      properties: {
        city: { type: 'string', maxLength: 12 },
        zip: { type: ['string', 'null'], maxLength: 6 },
      },
      required: ['city', 'zip'],
      additionalProperties: false,
    },
    pet: {
      type: 'object',
      properties: {
        kind: { enum: ['cat', 'dog', 1, null] },
        legs: { type: 'number' },
        good: { type: 'boolean' },
      },
      required: ['kind', 'legs', 'good'],
      additionalProperties: false,
    },
  },
};

// Not strict: optional properties, open objects, string formats and tuples.
const LOOSE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    when: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date' },
    tags: { type: 'array', prefixItems: [{ const: 'v1' }, { type: 'boolean' }], items: false },
    extra: { type: 'object', properties: { a: { type: 'string', maxLength: 4 } } },
    shape: {
      oneOf: [
        {
          type: 'object',
          properties: { kind: { const: 'circle' }, r: { type: 'number' } },
          required: ['kind', 'r'],
        },
        {
          type: 'object',
          properties: { kind: { const: 'square' }, side: { type: 'integer' } },
          required: ['kind', 'side'],
        },
      ],
    },
  },
  required: ['id'],
};

describe('the JSON Schema subset local models enforce', () => {
  test('nullable types, anyOf and definitions become what node-llama-cpp reads', () => {
    assert.deepEqual(toGbnfJsonSchema({ type: ['string', 'null'], maxLength: 3 }, 'p'), {
      oneOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }],
    });
    assert.deepEqual(toGbnfJsonSchema({ anyOf: [{ type: 'integer' }, { enum: ['a', 2.5, 3] }] }, 'p'), {
      oneOf: [{ type: 'integer' }, { enum: ['a', 2.5, 3] }],
    });
    assert.deepEqual(toGbnfJsonSchema({ type: 'integer', enum: [1, 1.5, 'x', 2] }, 'p'), { enum: [1, 2] });
    assert.deepEqual(
      toGbnfJsonSchema(
        {
          definitions: {
            n: { type: 'object', properties: { next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } } },
          },
          $ref: '#/definitions/n',
        },
        'p',
      ),
      {
        $ref: '#/$defs/portico-root',
        $defs: {
          n: {
            type: 'object',
            properties: { next: { oneOf: [{ $ref: '#/$defs/portico-root' }, { type: 'null' }] } },
          },
          'portico-root': { $ref: '#/$defs/n' },
        },
      },
    );
    // No type: the keywords say which; nothing at all means any JSON value.
    assert.deepEqual(toGbnfJsonSchema({ properties: {}, description: 'x' }, 'p'), {
      type: 'object',
      properties: {},
    });
    assert.equal((toGbnfJsonSchema({ title: 'anything' }, 'p') as { oneOf: unknown[] }).oneOf.length, 6);
  });

  test('a keyword outside the subset is refused, naming it and where it is', () => {
    refusal({ type: 'string', pattern: '^a' }, "'pattern'");
    refusal(
      { type: 'object', properties: { n: { type: 'integer', minimum: 0 } } },
      "'minimum'",
      'properties.n',
    );
    refusal({ allOf: [{ type: 'string' }] }, "'allOf'");
    refusal({ not: { type: 'null' } }, "'not'");
    refusal({ type: 'array', uniqueItems: true }, "'uniqueItems'");
    refusal({ type: 'string', format: 'email' }, "'format'", 'email');
    refusal({ type: 'object', properties: { a: { $defs: {} } } }, "'$defs'", 'only supported at the root');
    refusal({ type: 'object', properties: {}, required: ['a'] }, "'required'", "'a'");
    refusal({ $ref: '#/$defs/missing' }, "'$ref'", 'missing');
    refusal({ type: 'string', minLength: 5, maxLength: 2 }, "'maxLength'");
    refusal({ type: 'object', properties: { a: {}, b: {} }, maxProperties: 1 }, "'maxProperties'");
    refusal({ type: 'string', anyOf: [{ maxLength: 1 }] }, "'anyOf'", 'cannot be combined');
  });

  test('oneOf is enforced only when its branches exclude each other', () => {
    refusal({ oneOf: [{ type: 'string' }, { type: 'string', maxLength: 3 }] }, "'oneOf'", 'anyOf');
    refusal({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, "'oneOf'");
    toGbnfJsonSchema({ oneOf: [{ type: 'integer' }, { type: 'string' }, { type: 'null' }] }, 'p');
    toGbnfJsonSchema({ oneOf: [{ type: 'number' }, { const: 'n/a' }] }, 'p');
    toGbnfJsonSchema(LOOSE_SCHEMA.properties.shape, 'p'); // a tagged union
    toGbnfJsonSchema(
      {
        oneOf: [
          { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
          { type: 'object', properties: { b: { type: 'string' } }, additionalProperties: false },
        ],
      },
      'p',
    );
  });
});

describe('grammar conversion', () => {
  let llama: Llama;

  before(async () => {
    llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
  });
  after(() => llama.dispose());

  /**
   * Whether llama.cpp's grammar accepts `text` whole, through node-llama-cpp's internal
   * `_testText` (a full-match check; the package version is pinned).
   */
  async function accepts(gbnf: string): Promise<(text: string) => boolean> {
    const grammar = (await llama.createGrammar({ grammar: gbnf })) as unknown as {
      _testText(text: string): boolean;
    };
    return (text) => grammar._testText(text);
  }

  async function customAccepts(format: Tool & { type: 'custom' }): Promise<(text: string) => boolean> {
    const set = customToolGbnf(format.format, 'c0-', 'tools[0].format.definition');
    return accepts([`root ::= ${set.root}`, ...set.rules].join('\n'));
  }

  const custom = (syntax: 'regex' | 'lark', definition: string): Tool & { type: 'custom' } => ({
    type: 'custom',
    name: 'tool',
    format: { type: 'grammar', syntax, definition },
  });

  test('regexes convert to grammars that accept exactly what they match', async () => {
    const cases: [string, string[], string[]][] = [
      ['^[a-z]+\\d{2,3}$', ['abc12', 'a123'], ['abc1', '12', 'abc1234']],
      ['(?:foo|bar)+-(?P<n>\\w*?)', ['foobar-x_1', 'foo-'], ['-x', 'foo']],
      ['[^\\s"]{1,4}', ['ab', 'a;b!'], ['a b', '"', 'abcde']],
      ['a.c', ['abc', 'a c'], ['a\nc']],
      ['[\\w.-]+@[a-z]+\\.com', ['a.b-c@x.com'], ['@x.com', 'a@xcom']],
      ['[\\]\\\\-]|\\u00e9|\\x41|😀', [']', '\\', '-', 'é', 'A', '😀'], ['a']],
      ['[a\\D]', ['a', 'x'], ['5']],
    ];
    for (const [regex, good, bad] of cases) {
      const match = await customAccepts(custom('regex', regex));
      const js = new RegExp(`^(?:${regex.replace('(?P<', '(?<').replace(/^\^|\$$/g, '')})$`, 'u');
      for (const text of good)
        assert.ok(match(text) && js.test(text), `${regex} accepts ${JSON.stringify(text)}`);
      for (const text of bad)
        assert.ok(!match(text) && !js.test(text), `${regex} refuses ${JSON.stringify(text)}`);
    }
  });

  test('lark grammars convert: rules, terminals, common imports, %ignore, ranges, repetition', async () => {
    const arithmetic = String.raw`
      // comments, ?-inlined rules, aliases and priorities change trees, not the language
      start: sum
      ?sum: product (("+" | "-") product)*
      ?product: atom ("*" atom)*
      atom: NUMBER | "(" sum ")" | NAME -> variable
      NAME.2: /[a-z]+/ | "pi"i
      %import common.NUMBER
      %import common (WS)
      %ignore WS
    `;
    const match = await customAccepts(custom('lark', arithmetic));
    for (const text of ['1+2', ' ( 1.5e3 - x ) * PI ', '3*(4+y)'])
      assert.ok(match(text), `accepts ${JSON.stringify(text)}`);
    for (const text of ['1+', 'x y', '', '(1']) assert.ok(!match(text), `refuses ${JSON.stringify(text)}`);
    const patch = String.raw`
start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?
hunk: add_hunk | delete_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
filename: /(.+)/
add_line: "+" /(.*)/ LF -> line
%import common.LF
`;
    const patchMatch = await customAccepts(custom('lark', patch));
    assert.ok(
      patchMatch('*** Begin Patch\n*** Add File: a.txt\n+hello\n+\n*** Delete File: b\n*** End Patch\n'),
    );
    assert.ok(!patchMatch('*** Begin Patch\n*** End Patch\n'));
    const counted = await customAccepts(custom('lark', 'start: "a"~2 "b"~1..2 ["c"]\n'));
    assert.deepEqual(['aab', 'aabb', 'aabbc', 'ab', 'aabbb'].map(counted), [true, true, true, false, false]);
  });

  test('what does not convert is a 400 naming the definition and the feature', () => {
    const cases: [Tool & { type: 'custom' }, string][] = [
      [custom('regex', 'a(?=b)'), 'lookaround'],
      [custom('regex', '(a)\\1'), 'backreference'],
      [custom('regex', '\\bword'), '\\b'],
      [custom('regex', '(?i)abc'), 'inline flag'],
      [custom('regex', '\\p{L}+'), 'Unicode property'],
      [custom('regex', '(a?)*'), 'empty string'],
      [custom('regex', 'a{,3}'), '{,n}'],
      [custom('lark', 'start: start "a" | "a"'), 'left recursion'],
      [custom('lark', 'start: _sep{"a", ","}\n_sep{x, s}: x (s x)*'), 'templates'],
      [custom('lark', 'start: X\n%declare X'), '%declare'],
      [custom('lark', 'start: NAME\n%import python.NAME'), "%import from 'python'"],
      [custom('lark', 'start: /a/i'), 'regex flags'],
      [custom('lark', 'start: x'), "'x'"],
      [custom('lark', 'rule: "a"'), 'start'],
    ];
    for (const [tool, feature] of cases)
      assert.throws(
        () => customToolGbnf(tool.format, 'c0-', 'tools[0].format.definition'),
        (error: unknown) => {
          assert.ok(error instanceof ApiError, String(error));
          assert.equal(error.status, 400);
          assert.equal(error.param, 'tools[0].format.definition');
          assert.ok(error.message.includes(feature), `${feature} in: ${error.message}`);
          return true;
        },
      );
  });

  test("each keyword of the subset is enforced by node-llama-cpp's grammar", async () => {
    // [schema, documents the grammar accepts (all valid for ajv too), documents it refuses]
    const cases: [object, string[], string[]][] = [
      [{ type: 'string', minLength: 2, maxLength: 3 }, ['"ab"', '"a\\nc"'], ['"a"', '"abcd"']],
      [{ type: 'integer' }, ['-12', '0'], ['1.5', '1e5', '01']],
      [{ type: 'number' }, ['1.5', '-0.25', '7'], ['1e5', '.5']],
      [{ type: ['string', 'null'], maxLength: 1 }, ['"a"', 'null'], ['"ab"', '1']],
      [{ enum: ['a', 1, null, true] }, ['"a"', '1', 'null', 'true'], ['"b"', 'false']],
      [{ const: 'x' }, ['"x"'], ['"y"']],
      [
        { type: 'array', items: { type: 'boolean' }, minItems: 1, maxItems: 2 },
        ['[true]', '[true, false]'],
        ['[]', '[true, true, true]'],
      ],
      [
        { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }], items: false },
        ['[1, "a"]'],
        ['[1]', '[1, "a", 2]'],
      ],
      [
        { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' } }, required: ['a'] },
        ['{"a": 1, "b": "x"}', '{"a":1,"b":""}'],
        ['{"a": 1}', '{"b": "x", "a": 1}', '{"a": 1, "b": "x", "c": 2}'],
      ],
      [
        {
          type: 'object',
          properties: {},
          additionalProperties: { type: 'integer' },
          minProperties: 1,
          maxProperties: 2,
        },
        ['{"x": 1}', '{"x": 1, "y": 2}'],
        ['{}', '{"x": "s"}', '{"x": 1, "y": 2, "z": 3}'],
      ],
      [{ type: 'string', format: 'date' }, ['"2024-02-29"'], ['"2024-13-01"', '"x"']],
      [{ type: 'string', format: 'time' }, ['"12:30:00Z"', '"23:59:59.123+02:00"'], ['"24:00:00Z"']],
      [{ type: 'string', format: 'date-time' }, ['"2024-01-01T00:00:00Z"'], ['"2024-01-01 00:00:00Z"']],
      [{ anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 1 }] }, ['1', '"a"'], ['"ab"', 'null']],
      [
        { $defs: { p: { type: 'integer' } }, type: 'array', items: { $ref: '#/$defs/p' } },
        ['[1, 2]'],
        ['["a"]'],
      ],
      [
        {
          type: 'object',
          properties: { next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
          required: ['next'],
          additionalProperties: false,
        },
        ['{"next": null}', '{"next": {"next": null}}'],
        ['{"next": 1}'],
      ],
      [{}, ['{"q": [1, "x", null]}', 'true', '"s"'], ['nul']],
    ];
    for (const [schema, good, bad] of cases) {
      const match = await accepts(await jsonSchemaGbnf(llama, toGbnfJsonSchema(schema, 'p')));
      for (const text of good) {
        assert.ok(match(text), `${JSON.stringify(schema)} accepts ${text}`);
        assertMatches(text, schema, JSON.stringify(schema));
      }
      for (const text of bad) assert.ok(!match(text), `${JSON.stringify(schema)} refuses ${text}`);
    }
  });

  test('JSON schema grammars never write exponents, so numbers parse finite and integers whole', async () => {
    const gbnf = await jsonSchemaGbnf(
      llama,
      toGbnfJsonSchema({ type: 'array', items: { type: ['integer', 'number'] } }, 'p'),
    );
    const match = await accepts(gbnf);
    assert.ok(match('[1, -2.5, 0]'));
    for (const text of ['[1e-5]', '[1E999999]', '[2.5e3]']) assert.ok(!match(text), text);
    assert.ok(!gbnf.includes('\\n\\n\\n\\n'), 'no newline trailer');
  });
});

describe('ForcedCallReader', () => {
  const read = (text: string, chunk: number): ModelEvent[] => {
    let id = 0;
    const reader = new ForcedCallReader(() => `call_${++id}`);
    const events: ModelEvent[] = [];
    for (let i = 0; i < text.length; i += chunk) events.push(...reader.push(text.slice(i, i + chunk)));
    events.push(...reader.finish());
    // Merge adjacent deltas, as the event channel does.
    return events.reduce<ModelEvent[]>((merged, event) => {
      const last = merged.at(-1);
      if (event.type === 'tool-call-delta' && last?.type === 'tool-call-delta') last.delta += event.delta;
      else merged.push({ ...event });
      return merged;
    }, []);
  };

  test('streams one call, an array of calls, and a custom call, whatever the chunking', () => {
    for (const chunk of [1, 3, 1000]) {
      assert.deepEqual(
        read('{ "name": "w",\n    "arguments": {\n        "city": "a \\" b", "n": [1, 2] } }', chunk),
        [
          { type: 'tool-call-start', callId: 'call_1', name: 'w', kind: 'function' },
          { type: 'tool-call-delta', callId: 'call_1', delta: '{"city":"a \\" b","n":[1,2]}' },
          { type: 'tool-call-end', callId: 'call_1' },
        ],
      );
      const two = read('[{"name": "a", "arguments": {}}, {"name": "b", "arguments": {"x": null}}]', chunk);
      assert.deepEqual(
        two.map((event) => (event.type === 'tool-call-delta' ? event.delta : event.type)),
        ['tool-call-start', '{}', 'tool-call-end', 'tool-call-start', '{"x":null}', 'tool-call-end'],
      );
      assert.deepEqual(read('{"name": "patch"}\n*** Begin\n  two  lines\n', chunk), [
        { type: 'tool-call-start', callId: 'call_1', name: 'patch', kind: 'custom' },
        { type: 'tool-call-delta', callId: 'call_1', delta: '*** Begin\n  two  lines\n' },
        { type: 'tool-call-end', callId: 'call_1' },
      ]);
    }
  });
});

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The weather in a city.',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string', maxLength: 16 },
      unit: { type: ['string', 'null'], enum: ['c', 'f', null] },
      days: { type: 'integer' },
    },
    required: ['city', 'unit', 'days'],
    additionalProperties: false,
  },
  strict: true,
};
const timeTool = {
  type: 'function' as const,
  name: 'get_time',
  description: 'The time now.',
  parameters: null,
  strict: false,
};
const codeTool = {
  type: 'custom' as const,
  name: 'set_code',
  description: 'Sets a code.',
  format: { type: 'grammar' as const, syntax: 'regex' as const, definition: '[A-Z]{2}-[0-9]{3}(-x)?' },
};
const commandsTool = {
  type: 'custom' as const,
  name: 'run_commands',
  format: {
    type: 'grammar' as const,
    syntax: 'lark' as const,
    definition:
      'start: command ("\\n" command)~0..3\ncommand: VERB " " NAME\nVERB: "add" | "remove"\nNAME: /[a-z]{1,8}/\n',
  },
};
const COMMANDS = /^(?:add|remove) [a-z]{1,8}(?:\n(?:add|remove) [a-z]{1,8}){0,3}$/;

type Params = OpenAI.Responses.ResponseCreateParamsNonStreaming;
type FunctionCall = { type: 'function_call'; call_id: string; name: string; arguments: string; id: string };
const functionCalls = (output: readonly { type: string }[]) =>
  output.filter((item): item is FunctionCall => item.type === 'function_call');

describe('local tools and structured outputs through the server', () => {
  let portico: TestPortico;
  let client: OpenAI;
  /** `seed` is a Portico parameter the SDK's types do not know; the SDK sends it as given. */
  const create = (body: Params & { seed?: number }): Promise<OpenAI.Responses.Response> =>
    client.responses.create(body as Params);

  before(async () => {
    portico = await startPortico();
    client = portico.client;
  });
  after(() => portico.stop());

  test('strict json_schema output parses and matches on 12 runs at temperature 1', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const response = await create({
        model: TINY_MODEL,
        input: 'Describe a person.',
        text: { format: { type: 'json_schema', name: 'person', schema: STRICT_SCHEMA, strict: true } },
        temperature: 1,
        seed,
        max_output_tokens: 1500,
      });
      assert.equal(response.status, 'completed', `seed ${seed}`);
      assertMatches(response.output_text, STRICT_SCHEMA, `seed ${seed}`);
    }
  });

  test('a non-strict schema with optional fields, formats, tuples and a tagged oneOf', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const response = await create({
        model: TINY_MODEL,
        input: 'A record',
        text: { format: { type: 'json_schema', name: 'record', schema: LOOSE_SCHEMA }, verbosity: 'low' },
        temperature: 1,
        seed,
        max_output_tokens: 1000,
      });
      assert.equal(response.status, 'completed', `seed ${seed}`);
      const value = assertMatches(response.output_text, LOOSE_SCHEMA, `seed ${seed}`) as Record<
        string,
        unknown
      >;
      assert.deepEqual(
        Object.keys(value),
        Object.keys(LOOSE_SCHEMA.properties),
        'optional properties are written',
      );
    }
  });

  test('llama-2-tiny-random with maxLength-bounded strings', async () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string', maxLength: 10 },
        words: { type: 'array', items: { type: 'string', maxLength: 6 }, maxItems: 3 },
        score: { type: ['number', 'null'] },
      },
      required: ['title', 'words', 'score'],
      additionalProperties: false,
    };
    for (let seed = 1; seed <= 10; seed++) {
      const response = await create({
        model: RANDOM_MODEL,
        input: 'Give me JSON',
        text: { format: { type: 'json_schema', name: 'thing', schema, strict: true } },
        temperature: 1,
        seed,
        max_output_tokens: 400,
      });
      assert.equal(response.status, 'completed', `seed ${seed}`);
      assertMatches(response.output_text, schema, `seed ${seed}`);
    }
  });

  test('json_object output is always the start of a JSON object', async () => {
    // The story model fills strings with stories and runs into the token limit, so what can
    // be checked is that every output so far could still become a JSON object.
    for (let seed = 1; seed <= 5; seed++) {
      const response = await create({
        model: TINY_MODEL,
        input: 'JSON please',
        text: { format: { type: 'json_object' } },
        temperature: 1,
        seed,
        max_output_tokens: 200,
      });
      assert.ok(isJsonObjectPrefix(response.output_text), response.output_text);
      if (response.status === 'completed') JSON.parse(response.output_text);
    }
  });

  test('schemas and grammars local models cannot enforce are a 400 naming the parameter', async () => {
    await assertBadRequest(
      create({
        model: TINY_MODEL,
        input: 'x',
        text: {
          format: {
            type: 'json_schema',
            name: 'x',
            schema: { type: 'object', properties: { z: { type: 'string', pattern: '^[0-9]+$' } } },
          },
        },
      }),
      'text.format.schema',
      "'pattern'",
      'properties.z',
    );
    await assertBadRequest(
      create({
        model: TINY_MODEL,
        input: 'x',
        tools: [
          timeTool,
          {
            type: 'function',
            name: 'count',
            parameters: { type: 'object', properties: { n: { type: 'integer', maximum: 9 } } },
            strict: false,
          },
        ],
        tool_choice: 'required',
      }),
      'tools[1].parameters',
      "'maximum'",
    );
    await assertBadRequest(
      create({
        model: TINY_MODEL,
        input: 'x',
        tools: [{ ...codeTool, format: { ...codeTool.format, definition: '(?<=a)b' } }],
        tool_choice: { type: 'custom', name: 'set_code' },
      }),
      'tools[0].format.definition',
      'lookaround',
    );
    await assertBadRequest(
      create({
        model: TINY_MODEL,
        input: 'x',
        tools: [weatherTool],
        text: { format: { type: 'json_object' } },
      }),
      'text.format',
    );
  });

  test('a two-turn loop of forced calls through previous_response_id, then an answer', async () => {
    const first = await create({
      model: TINY_MODEL,
      input: 'What is the weather in Paris?',
      tools: [weatherTool, timeTool],
      tool_choice: { type: 'function', name: 'get_weather' },
      temperature: 1,
      seed: 3,
    });
    const [call] = functionCalls(first.output);
    assert.equal(first.output.length, 1);
    assert.ok(call && call.name === 'get_weather' && /^call_\w{24}$/.test(call.call_id));
    assertMatches(call.arguments, weatherTool.parameters, 'first call');
    const second = await create({
      model: TINY_MODEL,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temperature": 21}' }],
      tools: [weatherTool, timeTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
      temperature: 1,
      seed: 4,
    });
    const [again] = functionCalls(second.output);
    assert.equal(second.output.length, 1);
    assert.ok(again && again.call_id !== call.call_id);
    assertMatches(
      again.arguments,
      again.name === 'get_weather' ? weatherTool.parameters : { const: {} },
      'second call',
    );
    const answer = await create({
      model: TINY_MODEL,
      previous_response_id: second.id,
      input: [{ type: 'function_call_output', call_id: again.call_id, output: 'sunny' }],
      tools: [weatherTool, timeTool],
      tool_choice: 'none',
      max_output_tokens: 24,
    });
    assert.deepEqual(
      answer.output.map((item) => item.type),
      ['message'],
    );
    assert.ok(answer.output_text.length > 0);
  });

  test('the same loop with the call and its output sent back in the input', async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [
      { role: 'user', content: 'Weather in Oslo and Rome?' },
    ];
    const callIds = new Set<string>();
    for (let turn = 0; turn < 3; turn++) {
      const response = await create({
        model: TINY_MODEL,
        input,
        tools: [weatherTool],
        tool_choice: 'required',
        temperature: 1,
        seed: 10 + turn,
        store: false,
      });
      const calls = functionCalls(response.output);
      assert.ok(calls.length >= 1 && calls.length === response.output.length);
      for (const call of calls) {
        assert.ok(!callIds.has(call.call_id), 'call ids are unique');
        callIds.add(call.call_id);
        assertMatches(call.arguments, weatherTool.parameters, `turn ${turn}`);
        input.push(
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: `{"sky": "clear ${turn}"}` },
        );
      }
    }
    const answer = await create({
      model: TINY_MODEL,
      input,
      max_output_tokens: 16,
      store: false,
    });
    assert.equal(answer.output[0]?.type, 'message');
  });

  test('a forced call streams its arguments inside the item lifecycle', async () => {
    const request = {
      model: TINY_MODEL,
      input: 'Weather?',
      tools: [weatherTool],
      tool_choice: 'required' as const,
      parallel_tool_calls: false,
      temperature: 1,
      seed: 5,
    };
    const stream = client.responses.stream(
      request as unknown as OpenAI.Responses.ResponseCreateParamsStreaming,
    );
    const seen: string[] = [];
    let deltas = '';
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') deltas += event.delta;
      if (event.type === 'response.function_call_arguments.done') assert.equal(event.arguments, deltas);
      seen.push(event.type);
    }
    const final = await stream.finalResponse();
    const [call] = functionCalls(final.output);
    assert.equal(call?.arguments, deltas);
    assertMatches(deltas, weatherTool.parameters, 'streamed');
    const lifecycle = seen.filter((type) => type !== 'response.function_call_arguments.delta');
    assert.deepEqual(lifecycle, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.ok(seen.filter((type) => type === 'response.function_call_arguments.delta').length > 3);
    const raw = await fetch(`${portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    const response = checkResponseStream(await readEventStream(raw.body!));
    assert.equal(
      (response.output as { arguments: string }[])[0]?.arguments,
      deltas,
      'the same seed gives the same call',
    );
  });

  test('parallel calls: required with parallel_tool_calls gives one or more calls, without it one', async () => {
    let most = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const response = await create({
        model: TINY_MODEL,
        input: 'Weather and time, please.',
        tools: [weatherTool, timeTool],
        tool_choice: 'required',
        temperature: 1,
        seed,
        max_output_tokens: 1500,
      });
      assert.equal(response.status, 'completed');
      const calls = functionCalls(response.output);
      assert.ok(calls.length >= 1);
      assert.equal(new Set(calls.map((call) => call.call_id)).size, calls.length);
      for (const call of calls)
        assertMatches(
          call.arguments,
          call.name === 'get_weather' ? weatherTool.parameters : { const: {} },
          call.name,
        );
      most = Math.max(most, calls.length);
      const single = await create({
        model: TINY_MODEL,
        input: 'Weather and time, please.',
        tools: [weatherTool, timeTool],
        tool_choice: 'required',
        parallel_tool_calls: false,
        temperature: 1,
        seed,
      });
      assert.equal(functionCalls(single.output).length, 1);
    }
    assert.ok(most >= 2, `some response holds parallel calls (most: ${most})`);
  });

  test('allowed_tools and a tool without parameters', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const response = await create({
        model: TINY_MODEL,
        input: 'What time is it?',
        tools: [weatherTool, timeTool, codeTool],
        tool_choice: {
          type: 'allowed_tools',
          mode: 'required',
          tools: [{ type: 'function', name: 'get_time' }],
        },
        temperature: 1,
        seed,
      });
      const calls = functionCalls(response.output);
      assert.ok(calls.length >= 1);
      for (const call of calls) assert.deepEqual([call.name, call.arguments], ['get_time', '{}']);
    }
  });

  test('a forced custom tool writes input that matches its regex or lark grammar', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const regex = await create({
        model: TINY_MODEL,
        input: 'Set the code.',
        tools: [weatherTool, codeTool],
        tool_choice: { type: 'custom', name: 'set_code' },
        temperature: 1,
        seed,
      });
      const [call] = regex.output as { type: string; name: string; input: string; call_id: string }[];
      assert.equal(call?.type, 'custom_tool_call');
      assert.equal(call.name, 'set_code');
      assert.match(call.input, /^[A-Z]{2}-[0-9]{3}(-x)?$/);
      const lark = await create({
        model: TINY_MODEL,
        input: 'Run some commands.',
        tools: [commandsTool],
        tool_choice: 'required',
        temperature: 1,
        seed,
        max_output_tokens: 1000,
      });
      assert.equal(lark.status, 'completed');
      const [commands] = lark.output as { type: string; input: string }[];
      assert.equal(commands?.type, 'custom_tool_call');
      assert.match(commands.input, COMMANDS);
    }
  });

  test('required over function and custom tools gives one valid call of either kind', async () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      const response = await create({
        model: TINY_MODEL,
        input: 'Do something.',
        tools: [weatherTool, codeTool],
        tool_choice: 'required',
        temperature: 1,
        seed,
      });
      assert.equal(response.output.length, 1);
      const item = response.output[0] as { type: string; arguments?: string; input?: string };
      kinds.add(item.type);
      if (item.type === 'function_call')
        assertMatches(item.arguments!, weatherTool.parameters, `seed ${seed}`);
      else assert.match(item.input!, /^[A-Z]{2}-[0-9]{3}(-x)?$/);
    }
    assert.ok(kinds.size >= 1);
  });

  test('tool_choice none and auto with tools', async () => {
    const none = await create({
      model: TINY_MODEL,
      input: 'Hello',
      tools: [weatherTool, codeTool],
      tool_choice: 'none',
      max_output_tokens: 16,
    });
    assert.deepEqual(
      none.output.map((item) => item.type),
      ['message'],
    );
    for (let seed = 1; seed <= 3; seed++) {
      const auto = await create({
        model: TINY_MODEL,
        input: 'What is the weather in Paris?',
        tools: [weatherTool, timeTool],
        temperature: 1,
        seed,
        max_output_tokens: 48,
      });
      assert.notEqual(auto.status, 'failed');
      for (const item of auto.output) {
        assert.ok(item.type === 'message' || item.type === 'function_call', item.type);
        if (item.type === 'function_call') JSON.parse(item.arguments);
      }
    }
  });
});

/**
 * Llama 2 chat with function calling engaged at the start of every answer, as templates with
 * prefix triggers do: stories260K never writes the `||call:` prefix on its own, so this lets
 * the test see node-llama-cpp's function calling (auto mode) go end to end.
 */
class EagerFunctionCalls extends Llama2ChatWrapper {
  override generateContextState(
    options: ChatWrapperGenerateContextStateOptions,
  ): ChatWrapperGeneratedContextState {
    const state = super.generateContextState(options);
    if (Object.keys(options.availableFunctions ?? {}).length === 0) return state;
    const inject = LlamaText(this.settings.functions.call.prefix);
    const engaged: ChatWrapperGeneratedPrefixTriggersContextState = {
      contextText: state.contextText,
      stopGenerationTriggers: state.stopGenerationTriggers,
      noPrefixTrigger: { type: 'functionCall', inject },
    };
    return engaged;
  }
}

describe('auto tool choice through node-llama-cpp function calling', () => {
  const stories = listLocalModels([sharedModelsDir]).find((model) => model.id === TINY_MODEL)!;
  const eager = new LocalProvider({ chatWrapper: () => new EagerFunctionCalls() });
  after(() => eager.close());

  const autoTurn = (seed: number, tools: Turn['tools'], items?: Item[]): Turn => ({
    ...localTurn(stories, items ?? 'Weather?'),
    tools,
    sampling: { temperature: 1, seed, maxOutputTokens: 400 },
  });

  test('calls come out as tool-call events with arguments that match the schema', async () => {
    const cases: [Turn['tools'], (call: string, kind: string) => void][] = [
      [[weatherTool], (call) => assertMatches(call, weatherTool.parameters, 'get_weather')],
      [[timeTool], (call) => assert.equal(call, '{}')],
      [[codeTool], (input, kind) => assert.ok(kind === 'custom' && typeof input === 'string')],
    ];
    for (const [tools, check] of cases)
      for (let seed = 1; seed <= 3; seed++) {
        const events = await collect(eager, autoTurn(seed, tools));
        assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool-calls' });
        const starts = events.filter((event) => event.type === 'tool-call-start');
        assert.equal(starts.length, 1);
        const [start] = starts;
        assert.equal(start!.name, tools[0]!.name);
        const ends = events.filter((event) => event.type === 'tool-call-end');
        assert.deepEqual(ends, [{ type: 'tool-call-end', callId: start!.callId }]);
        const deltas = events.flatMap((event) => (event.type === 'tool-call-delta' ? [event.delta] : []));
        check(deltas.join(''), start!.kind);
      }
  });

  test('a function call and its output render in the chat template, and the model goes on', async () => {
    const items: Item[] = [
      userMessage('Weather in Oslo?'),
      {
        type: 'function_call',
        id: 'fc_1',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Oslo"}',
      },
      { type: 'function_call_output', id: 'fco_1', call_id: 'call_1', output: '{"sky": "clear"}' },
    ];
    const rendered = new Llama2ChatWrapper()
      .generateContextState({ chatHistory: turnToChatHistory({ instructions: undefined, items }).history })
      .contextText.toString();
    assert.ok(rendered.includes('||call: get_weather({"city": "Oslo"})'), rendered);
    assert.ok(rendered.includes('||result: {"sky": "clear"}'), rendered);
    const events = await collect(eager, autoTurn(1, [weatherTool], items));
    assert.equal(events.at(-1)?.type, 'finish');
  });

  test('the stories model itself rarely calls, and then answers in text', async () => {
    const plain = new LocalProvider();
    try {
      const events = await collect(plain, {
        ...autoTurn(1, [weatherTool]),
        sampling: { temperature: 0, maxOutputTokens: 24 },
      });
      assert.ok(events.some((event) => event.type === 'text-delta'));
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'length' });
    } finally {
      await plain.close();
    }
  });
});
