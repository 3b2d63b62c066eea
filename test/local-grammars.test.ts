import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { ApiError } from '../src/api/errors.ts';
import type { Tool } from '../src/api/tools.ts';
import { customToolGbnf } from '../src/providers/local/custom-tool-gbnf.ts';
import { ForcedCallReader } from '../src/providers/local/forced-call-reader.ts';
import { jsonSchemaGbnf } from '../src/providers/local/json-schema-gbnf.ts';
import { toGbnfJsonSchema } from '../src/providers/local/json-schema-subset.ts';
import type { ModelEvent } from '../src/providers/provider.ts';
import { assertMatches, LOOSE_SCHEMA } from './support/json-schema-checks.ts';

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
