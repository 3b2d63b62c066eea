import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Llama2ChatWrapper,
  LlamaText,
  type ChatWrapperGeneratedContextState,
  type ChatWrapperGeneratedPrefixTriggersContextState,
  type ChatWrapperGenerateContextStateOptions,
} from 'node-llama-cpp';
import type { Item } from '../src/api/items.ts';
import { listLocalModels } from '../src/providers/local/list-local-models.ts';
import { LocalProvider } from '../src/providers/local/local-provider.ts';
import { turnToChatHistory } from '../src/providers/local/turn-to-chat-history.ts';
import type { Turn } from '../src/providers/provider.ts';
import { collect, localTurn, userMessage } from './support/local-turn.ts';
import { sharedModelsDir, TINY_MODEL } from './support/portico.ts';
import { assertMatches } from './support/json-schema-checks.ts';
import { codeTool, timeTool, weatherTool } from './support/example-tools.ts';

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
