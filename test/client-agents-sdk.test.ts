import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, OpenAIResponsesModel, run, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { toolOutputs } from './support/scripted-upstream.ts';

/** The OpenAI Agents SDK (`@openai/agents`): an agent runs a tool through Portico's Responses API. */
describe('@openai/agents through Portico', () => {
  let setup: ScriptedPortico;
  before(async () => {
    setTracingDisabled(true);
    setup = await startScriptedPortico(({ input }) =>
      toolOutputs(input) === 0
        ? [{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Oslo"}' }]
        : [{ type: 'message', text: 'It is 4 degrees in Oslo.' }],
    );
  });
  after(() => setup.stop());

  test('an agent calls its tool and answers with the tool output', async () => {
    const calls: string[] = [];
    const getWeather = tool({
      name: 'get_weather',
      description: 'The weather in a city.',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return `4 degrees in ${city}`;
      },
    });
    const client = new OpenAI({ baseURL: `${setup.portico.server.url}/v1`, apiKey: 'unused' });
    const agent = new Agent({
      name: 'Weather',
      instructions: 'Answer with the weather.',
      // The SDK depends on a newer openai 6.x than the root one; the client's API is the same.
      model: new OpenAIResponsesModel(client as never, SCRIPTED_MODEL),
      tools: [getWeather],
    });
    const result = await run(agent, 'What is the weather in Oslo?');
    assert.deepEqual(calls, ['Oslo']);
    assert.equal(result.finalOutput, 'It is 4 degrees in Oslo.');
    // Turn two carried the call and its output, as the Agents SDK sent them through Portico.
    const second = setup.upstream.requests.at(-1)!.json as { input: Array<Record<string, unknown>> };
    const output = second.input.find((item) => item.type === 'function_call_output');
    assert.equal(output?.output, '4 degrees in Oslo');
  });
});
