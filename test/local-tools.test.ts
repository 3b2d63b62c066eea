import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { readEventStream, TINY_MODEL } from './support/portico.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { assertMatches } from './support/json-schema-checks.ts';
import { codeTool, timeTool, weatherTool } from './support/example-tools.ts';
import { useLocalPortico } from './support/local-portico.ts';

// Tools on local models through the server: forced, parallel and allowed calls, custom tools
// with regex and lark grammars, and tool_choice.

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

type FunctionCall = { type: 'function_call'; call_id: string; name: string; arguments: string; id: string };
const functionCalls = (output: readonly { type: string }[]) =>
  output.filter((item): item is FunctionCall => item.type === 'function_call');

describe('local tools through the server', () => {
  const { portico, create } = useLocalPortico();
  const client = () => portico().client;

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
    const stream = client().responses.stream(
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
    const raw = await fetch(`${portico().server.url}/v1/responses`, {
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
