import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { TINY_MODEL } from './support/portico.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { toolOutputs } from './support/scripted-upstream.ts';

/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai`, whose default model is the Responses API):
 * text, streams and structured objects from a real local model; the tool loop on the scripted upstream.
 */
describe('the AI SDK through Portico', () => {
  let setup: ScriptedPortico;
  let openai: ReturnType<typeof createOpenAI>;
  before(async () => {
    setup = await startScriptedPortico(({ input }) =>
      toolOutputs(input) === 0
        ? [{ type: 'function_call', name: 'add', arguments: '{"a":2,"b":3}' }]
        : [{ type: 'message', text: 'The sum is 5.' }],
    );
    openai = createOpenAI({ baseURL: `${setup.portico.server.url}/v1`, apiKey: 'unused' });
  });
  after(() => setup.stop());

  test('generateText', async () => {
    const result = await generateText({
      model: openai(TINY_MODEL),
      prompt: 'Once upon a time',
      maxOutputTokens: 12,
    });
    assert.ok(result.text.length > 0);
    assert.equal(result.finishReason, 'length');
    assert.equal(result.usage.outputTokens, 12);
  });

  test('streamText', async () => {
    const result = streamText({ model: openai(TINY_MODEL), prompt: 'Once upon a time', maxOutputTokens: 12 });
    let text = '';
    let parts = 0;
    for await (const delta of result.textStream) {
      text += delta;
      parts++;
    }
    assert.ok(parts > 1, 'the text arrives in pieces');
    assert.equal(text, await result.text);
  });

  test('generateObject: a local model answers in the schema, enforced by a grammar', async () => {
    const { object } = await generateObject({
      model: openai(TINY_MODEL),
      // Not `.int()`: zod adds safe-integer bounds, which a grammar cannot enforce (a 400 says so).
      schema: z.object({ name: z.string().max(12), age: z.number() }),
      prompt: 'A character',
      maxOutputTokens: 60,
    });
    assert.equal(typeof object.name, 'string');
    assert.equal(typeof object.age, 'number');
  });

  test('tools: the loop calls the tool and answers', async () => {
    const calls: Array<{ a: number; b: number }> = [];
    const result = await generateText({
      model: openai(SCRIPTED_MODEL),
      prompt: 'What is 2 + 3?',
      tools: {
        add: tool({
          description: 'Adds two numbers.',
          inputSchema: z.object({ a: z.number(), b: z.number() }),
          execute: async (input) => {
            calls.push(input);
            return input.a + input.b;
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    assert.deepEqual(calls, [{ a: 2, b: 3 }]);
    assert.equal(result.text, 'The sum is 5.');
    assert.equal(result.steps.length, 2);
  });
});
