import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import { anthropicClient } from './support/anthropic-messages.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { toolOutputs } from './support/scripted-upstream.ts';

// ---------------------------------------------------------------------------------------------
// A client tool loop through Anthropic's SDK, on an OpenAI Responses upstream that calls the
// tool first and answers once it has the tool's output.

describe('a tool loop over /v1/messages', () => {
  let setup: ScriptedPortico;
  let client: Anthropic;
  const tools: Anthropic.Tool[] = [
    {
      name: 'get_weather',
      description: 'The weather in a city.',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ];
  const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };

  before(async () => {
    setup = await startScriptedPortico(({ input }) =>
      toolOutputs(input) === 0
        ? [{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' }]
        : [{ type: 'message', text: 'It is sunny in Paris.' }],
    );
    client = anthropicClient(setup.portico.server.url);
  });
  after(() => setup.stop());

  /** The model's call, run as the client would, and the model's answer to its result. */
  async function loop(
    first: Anthropic.Message,
  ): Promise<{ call: Anthropic.ToolUseBlock; answer: Anthropic.Message }> {
    assert.equal(first.stop_reason, 'tool_use');
    const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(call.input, { city: 'Paris' });
    const answer = await client.messages.create({
      model: SCRIPTED_MODEL,
      max_tokens: 200,
      tools,
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 21C' }] },
      ],
    });
    return { call, answer };
  }

  test('the model calls the tool, the client sends its tool_result, the model answers', async () => {
    const first = await client.messages.create({
      model: SCRIPTED_MODEL,
      max_tokens: 200,
      tools,
      messages: [question],
    });
    const { call, answer } = await loop(first);
    assert.deepEqual(answer.content, [{ type: 'text', text: 'It is sunny in Paris.' }]);
    assert.equal(answer.stop_reason, 'end_turn');

    // The upstream got the whole loop as Responses items: the call under its id, then its output.
    const input = (setup.upstream.requests.at(-1)!.json as { input: Array<Record<string, unknown>> }).input;
    assert.deepEqual(
      input.map((item) => [item.type, item.call_id ?? item.role]),
      [
        ['message', 'user'],
        ['function_call', call.id],
        ['function_call_output', call.id],
      ],
    );
    assert.equal(input[2]!.output, 'Sunny, 21C');
    assert.equal(input[1]!.arguments, '{"city":"Paris"}');
  });

  test('the same loop streamed: the SDK rebuilds the call from input_json_delta events', async () => {
    const stream = client.messages.stream({
      model: SCRIPTED_MODEL,
      max_tokens: 200,
      tools,
      messages: [question],
    });
    const json: string[] = [];
    stream.on('inputJson', (partial) => json.push(partial));
    const first = await stream.finalMessage();
    assert.deepEqual(json, ['{"city":"Paris"}']);
    const { answer } = await loop(first);
    assert.deepEqual(answer.content, [{ type: 'text', text: 'It is sunny in Paris.' }]);
  });
});
