import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { TINY_MODEL } from './support/portico.ts';
import { assertMatches, LOOSE_SCHEMA } from './support/json-schema-checks.ts';
import { codeTool, timeTool, weatherTool } from './support/example-tools.ts';
import { useLocalPortico } from './support/local-portico.ts';

// Structured outputs on local models through the server: strict and loose JSON schemas, JSON
// mode, and the schemas and grammars a local model cannot enforce.

const RANDOM_MODEL = 'local/llama-2-tiny-random';

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

describe('local structured outputs through the server', () => {
  const { create } = useLocalPortico();

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
});
