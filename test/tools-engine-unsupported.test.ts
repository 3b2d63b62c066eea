import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseResponseRequest } from '../src/api/request.ts';
import { startResponse } from '../src/engine/create-response.ts';
import type { ModelEvent, Turn, Unsupported } from '../src/providers/provider.ts';
import { rejection } from './support/api-error-checks.ts';
import { ScriptedProvider, textEvents } from './support/scripted-provider.ts';
import {
  context,
  fn,
  model,
  refused,
  run,
  useEngineStore,
  weather,
  type Setup,
} from './support/tools-engine.ts';

// Tools and parameters a model cannot serve: refused, or dropped with a warning, as configured.
useEngineStore();

/** A scripted provider that also reports what it cannot serve. */
class PickyProvider extends ScriptedProvider {
  constructor(
    script: (turn: Turn) => ModelEvent[],
    private readonly cannot: (turn: Turn) => Unsupported[],
  ) {
    super(script);
  }
  unsupported(turn: Turn): Unsupported[] {
    return this.cannot(turn);
  }
}

describe('unsupported tools and parameters', () => {
  const hostedAndSeed = (turn: Turn): Unsupported[] => [
    ...turn.tools.flatMap((tool, index) =>
      tool.type.startsWith('web_search')
        ? [{ param: `tools[${index}].type`, message: 'No web search here.' }]
        : [],
    ),
    ...(turn.sampling.seed !== undefined ? [{ param: 'seed', message: 'No seed here.' }] : []),
    ...(turn.text.verbosity ? [{ param: 'text.verbosity', message: 'No verbosity.', harmless: true }] : []),
  ];
  const body = {
    tools: [fn('get_weather', weather), { type: 'web_search' }],
    seed: 7,
    text: { verbosity: 'low' },
  };

  test('by default the first unsupported item is a 400 naming it and saying how to drop it', async () => {
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const error = await rejection(run(provider, body));
    assert.equal(error.status, 400);
    assert.equal(error.param, 'seed', 'the hosted tool is dropped, not refused');
    assert.equal(error.code, 'unsupported_parameter');
    assert.match(error.message, /No seed here\..*drop_unsupported: true/);
    assert.equal(provider.turns.length, 0);
  });

  test('a hosted tool the provider cannot run is dropped with a warning, or refused when configured', async () => {
    const tools = [fn('get_weather', weather), { type: 'web_search' }];
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const { warnings, response } = await run(provider, { tools });
    assert.equal(response.status, 'completed');
    assert.deepEqual(warnings, [
      "tools[1].type: dropped, No web search here. Portico does not run 'web_search' tools for this model.",
    ]);
    assert.deepEqual(
      provider.turns[0]!.tools.map((tool) => tool.type),
      ['function'],
    );
    const error = await rejection(run(provider, { tools }, { hostedTools: 'refuse' }));
    assert.equal(error.param, 'tools[1].type');
    assert.equal(error.code, 'unsupported_parameter');
  });

  test('harmless items alone are warnings, removed from the turn', async () => {
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const { warnings, response } = await run(provider, {
      text: { verbosity: 'low' },
      prompt_cache_key: 'k1',
    });
    assert.equal(response.status, 'completed');
    assert.deepEqual(warnings, [
      'prompt_cache_key: ignored, Portico does not pass prompt cache keys upstream.',
      'text.verbosity: ignored, No verbosity.',
    ]);
    assert.equal(provider.turns[0]!.text.verbosity, undefined);
  });

  test('with drop_unsupported they are removed from the turn, warned about and logged', async () => {
    const logged: NonNullable<Setup['logged']> = [];
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const lenient = { ...model, dropUnsupported: true };
    const { warnings, response } = await run(provider, body, { models: [lenient], logged });
    assert.equal(response.status, 'completed');
    assert.deepEqual(warnings, [
      "tools[1].type: dropped, No web search here. Portico does not run 'web_search' tools for this model.",
      'seed: dropped, No seed here.',
      'text.verbosity: ignored, No verbosity.',
    ]);
    const turn = provider.turns[0]!;
    assert.deepEqual(
      turn.tools.map((tool) => tool.type),
      ['function'],
    );
    assert.equal(turn.sampling.seed, undefined);
    // The echo still lists what the client asked for.
    assert.equal((response.tools as unknown[]).length, 2);
    assert.deepEqual(logged.find((entry) => entry.message.startsWith('request served'))?.fields, {
      model: model.id,
      warnings,
    });
  });

  test('the global setting applies unless the model says otherwise', async () => {
    const picky = () => new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    const global = await run(picky(), body, { dropUnsupported: true });
    assert.equal(global.response.status, 'completed');
    const strictModel = { ...model, dropUnsupported: false };
    const error = await rejection(run(picky(), body, { dropUnsupported: true, models: [strictModel] }));
    assert.equal(error.param, 'seed');
  });

  test('a dropped forced tool leaves tool_choice on auto', async () => {
    const provider = new PickyProvider(() => textEvents('ok'), hostedAndSeed);
    await run(
      provider,
      { tools: [{ type: 'web_search_preview' }, fn('x')], tool_choice: { type: 'web_search_preview' } },
      { dropUnsupported: true },
    );
    assert.equal(provider.turns[0]!.toolChoice, 'auto');
  });

  test('reasoning the model does not take: reasoning.effort outside its efforts, reasoning on a model that does not reason', async () => {
    const effort = await refused({ reasoning: { effort: 'medium' } });
    assert.equal(effort.param, 'reasoning.effort');
    assert.match(effort.message, /does not take reasoning effort 'medium'; it takes low, high/);
    const plain = {
      ...model,
      id: 'test/plain',
      capabilities: { ...model.capabilities, reasoningEfforts: [] },
    };
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const error = await rejection(
      startResponse(
        parseResponseRequest({ model: plain.id, input: 'Hi', reasoning: { effort: 'low' } }),
        context(provider, { models: [plain] }),
        new AbortController().signal,
      ),
    );
    assert.equal(error.param, 'reasoning');
    // `effort: none` asks for no reasoning, which any model gives.
    await startResponse(
      parseResponseRequest({ model: plain.id, input: 'Hi', reasoning: { effort: 'none' } }),
      context(provider, { models: [plain] }),
      new AbortController().signal,
    );
  });

  test('images for a model without vision are named by their place in input; dropped, the message keeps its text', async () => {
    const input = [
      { role: 'user', content: 'First' },
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'https://example.com/cat.png' },
        ],
      },
    ];
    const error = await refused({ input });
    assert.equal(error.param, 'input[1].content[1]');
    assert.match(error.message, /does not take images/);
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const { warnings } = await run(provider, { input }, { dropUnsupported: true });
    assert.deepEqual(warnings, [
      "input[1].content[1]: dropped, The model 'test/tools' does not take images.",
    ]);
    const kept = provider.turns[0]!.items[1] as { content: unknown };
    assert.deepEqual(kept.content, [{ type: 'input_text', text: 'What is this?' }]);
  });

  test('an item of the previous response context is named by previous_response_id', async () => {
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const withImage = [
      {
        role: 'user',
        content: [{ type: 'input_image', image_url: 'https://example.com/cat.png' }],
      },
    ];
    const lenient = { ...model, dropUnsupported: true };
    const first = await run(provider, { input: withImage }, { models: [lenient] });
    const error = await refused({ input: 'And now?', previous_response_id: first.response.id });
    assert.equal(error.param, 'previous_response_id');
    assert.match(error.message, /^previous_response_id \(context item 0, content\[0\]\): /);
  });

  test('tools for a model that cannot call them', async () => {
    const noTools = { ...model, capabilities: { ...model.capabilities, tools: false } };
    const provider = new ScriptedProvider(() => textEvents('ok'));
    const error = await rejection(run(provider, { tools: [fn('a')] }, { models: [noTools] }));
    assert.equal(error.param, 'tools[0]');
    await run(
      provider,
      { tools: [fn('a')], tool_choice: 'required' },
      { models: [{ ...noTools, dropUnsupported: true }] },
    );
    assert.deepEqual(provider.turns[0]!.tools, []);
    assert.equal(provider.turns[0]!.toolChoice, 'auto');
  });

  test('settings Portico does not act on are harmless warnings', async () => {
    const { warnings } = await run(new ScriptedProvider(() => textEvents('ok')), {
      service_tier: 'flex',
      truncation: 'auto',
      moderation: { model: 'omni-moderation-latest' },
    });
    assert.deepEqual(
      warnings.map((warning) => warning.split(':')[0]),
      ['service_tier', 'moderation'],
      'truncation is acted on (fit-context.ts), no longer a warning',
    );
  });
});
