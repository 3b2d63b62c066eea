import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { readEventStream, startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { assertMatches, LOOSE_SCHEMA } from './support/json-schema-checks.ts';
import { codeTool, timeTool, weatherTool } from './support/example-tools.ts';

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
