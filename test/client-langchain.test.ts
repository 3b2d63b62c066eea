import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import { TINY_MODEL } from './support/portico.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { toolOutputs } from './support/scripted-upstream.ts';

/** LangChain's ChatOpenAI, over the Responses API (`useResponsesApi`) and over Chat Completions. */
describe('@langchain/openai through Portico', () => {
  let setup: ScriptedPortico;
  const chat = (model: string, responses: boolean, extra: Record<string, unknown> = {}) =>
    new ChatOpenAI({
      model,
      apiKey: 'unused',
      useResponsesApi: responses,
      maxRetries: 0,
      configuration: { baseURL: `${setup.portico.server.url}/v1` },
      ...extra,
    });

  before(async () => {
    setup = await startScriptedPortico(({ input }) =>
      toolOutputs(input) === 0
        ? [{ type: 'function_call', name: 'lookup', arguments: '{"word":"portico"}' }]
        : [{ type: 'message', text: 'A porch with columns.' }],
    );
  });
  after(() => setup.stop());

  test('invoke over the Responses API', async () => {
    const answer = await chat(TINY_MODEL, true, { maxTokens: 10 }).invoke('Once upon a time');
    assert.ok(typeof answer.content === 'string' || Array.isArray(answer.content));
    assert.ok(answer.text.length > 0);
    assert.equal((answer.usage_metadata as { output_tokens?: number } | undefined)?.output_tokens, 10);
  });

  test('stream over the Responses API', async () => {
    let text = '';
    let chunks = 0;
    for await (const chunk of await chat(TINY_MODEL, true, { maxTokens: 10 }).stream('Once upon a time')) {
      text += chunk.text;
      chunks++;
    }
    assert.ok(chunks > 1 && text.length > 0);
  });

  test('a tool call and its result, over the Responses API', async () => {
    const lookup = tool(async ({ word }) => `${word}: a porch with columns`, {
      name: 'lookup',
      description: 'Looks a word up.',
      schema: z.object({ word: z.string() }),
    });
    const model = chat(SCRIPTED_MODEL, true).bindTools([lookup]);
    const first = await model.invoke('What is a portico?');
    assert.deepEqual(
      first.tool_calls?.map((call) => [call.name, call.args]),
      [['lookup', { word: 'portico' }]],
    );
    const result = await lookup.invoke(first.tool_calls![0]!);
    const second = await model.invoke(['What is a portico?', first, result]);
    assert.equal(second.text, 'A porch with columns.');
  });

  test('invoke with stop sequences over Chat Completions', async () => {
    const model = chat(TINY_MODEL, false, { maxTokens: 40, temperature: 0 });
    const free = await model.invoke('Once upon a time');
    const text = free.text;
    const at = text.indexOf(' ', 8);
    const stopped = await model.invoke('Once upon a time', { stop: [text.slice(at, at + 4)] });
    assert.equal(stopped.text, text.slice(0, at));
  });
});
