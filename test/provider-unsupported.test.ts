import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { AnthropicProvider } from '../src/providers/anthropic/anthropic-provider.ts';
import { ChatCompletionsProvider } from '../src/providers/chat-completions/chat-completions-provider.ts';
import type { UpstreamOptions } from '../src/providers/http/upstream-options.ts';
import { OpenAiProvider } from '../src/providers/openai/openai-provider.ts';
import type { Unsupported } from '../src/providers/provider.ts';
import { WorkersAiProvider } from '../src/providers/workers-ai/workers-ai-provider.ts';
import { providerTurn, userText } from './support/provider-turn.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';

const options: UpstreamOptions = {
  id: 'up',
  baseUrl: 'http://127.0.0.1:9',
  apiKey: 'k',
  headers: {},
  timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000 },
  post: undiciPost,
};

const model = (upstreamModel = 'm'): CatalogModel => ({
  id: `up/${upstreamModel}`,
  provider: 'up',
  upstreamModel,
  task: 'Text Generation',
  ownedBy: 'Test',
  proxied: true,
  contextWindow: 32768,
  capabilities: { tools: true, vision: true, structuredOutput: true, reasoningEfforts: ['low', 'high'] },
});

const weather = { type: 'function' as const, name: 'get_weather', parameters: {}, strict: false };

/** `param` of each item, with `!` after the harmless ones. */
const params = (found: Unsupported[]) => found.map((entry) => `${entry.param}${entry.harmless ? '!' : ''}`);

const mediaItems: Item[] = [
  {
    type: 'message',
    id: 'msg_1',
    role: 'user',
    content: [
      { type: 'input_text', text: 'Look' },
      { type: 'input_image', file_id: 'file_1', detail: 'auto' },
      { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
    ],
  },
  {
    type: 'function_call_output',
    id: 'fco_1',
    call_id: 'call_1',
    output: [{ type: 'input_image', image_url: 'https://example.com/b.png', detail: 'auto' }],
  },
  { type: 'web_search_call', id: 'ws_1', status: 'completed' } as unknown as Item,
  { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
];

describe('what each provider says it cannot serve', () => {
  test('chat-completions: hosted tools and choices, preset fields, media it cannot send, foreign items', () => {
    const provider = new ChatCompletionsProvider({ ...options, preset: 'openai-compatible' });
    const turn = providerTurn(model(), {
      tools: [{ type: 'web_search' }, weather],
      toolChoice: { type: 'file_search' },
      reasoning: { effort: 'high', summary: 'auto' },
      text: { format: { type: 'text' }, verbosity: 'low' },
      items: mediaItems,
    });
    assert.deepEqual(params(provider.unsupported(turn)), [
      'tools[0].type',
      'tool_choice',
      'reasoning.summary!',
      'text.verbosity!',
      'input[2]!',
      'input[0].content[1]',
      'input[1].output[0]',
    ]);
    assert.deepEqual(params(provider.unsupported(providerTurn(model()))), []);
  });

  test('chat-completions presets: DeepSeek takes no effort, OpenAI takes verbosity', () => {
    const effort = providerTurn(model(), { reasoning: { effort: 'high' } });
    assert.deepEqual(
      params(new ChatCompletionsProvider({ ...options, preset: 'deepseek' }).unsupported(effort)),
      ['reasoning.effort'],
    );
    const verbose = providerTurn(model(), { text: { format: { type: 'text' }, verbosity: 'high' } });
    assert.deepEqual(
      params(new ChatCompletionsProvider({ ...options, preset: 'openai' }).unsupported(verbose)),
      [],
    );
  });

  test('anthropic: thinking conflicts, seed, sampling pairs, files by id', () => {
    const provider = new AnthropicProvider(options);
    const forced = providerTurn(model(), {
      tools: [weather],
      toolChoice: 'required',
      reasoning: { effort: 'high' },
      sampling: { seed: 3, topP: 0.9, temperature: 0.5 },
    });
    assert.deepEqual(params(provider.unsupported(forced)), ['reasoning.effort', 'top_p', 'seed']);
    const thinking = providerTurn(model(), { reasoning: { effort: 'low' }, sampling: { temperature: 0.5 } });
    assert.deepEqual(params(provider.unsupported(thinking)), ['temperature']);
    const cramped = providerTurn(model(), {
      reasoning: { effort: 'high' },
      sampling: { maxOutputTokens: 1000 },
    });
    const [noRoom] = provider.unsupported(cramped);
    assert.equal(noRoom?.param, 'reasoning.effort');
    assert.match(noRoom!.message, /max_output_tokens 1000 leaves no room/);
    const files = providerTurn(model(), { items: mediaItems });
    assert.deepEqual(params(provider.unsupported(files)), ['input[2]!', 'input[0].content[1]']);
  });

  test('workers-ai: ai/run models also take no tool_choice, effort or media', () => {
    const provider = new WorkersAiProvider({ ...options, accountId: 'acc' });
    const turn = (upstream: string) =>
      providerTurn(model(upstream), {
        tools: [weather],
        toolChoice: 'required',
        reasoning: { effort: 'low' },
        items: [userText('Hi'), mediaItems[0]!],
      });
    assert.deepEqual(params(provider.unsupported(turn('@hf/mistral/mistral-7b-instruct-v0.2'))), [
      'input[1].content[1]',
      'tool_choice',
      'reasoning.effort',
      'input[1].content[2]',
    ]);
    assert.deepEqual(params(provider.unsupported(turn('@cf/meta/llama-3.3-70b-instruct-fp8-fast'))), [
      'input[1].content[1]',
    ]);
  });

  test('openai: everything passes but seed', () => {
    const provider = new OpenAiProvider(options);
    assert.deepEqual(
      params(provider.unsupported(providerTurn(model(), { tools: [{ type: 'web_search' }] }))),
      [],
    );
    assert.deepEqual(params(provider.unsupported(providerTurn(model(), { sampling: { seed: 1 } }))), [
      'seed',
    ]);
  });
});
