import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import type { ModelEvent, Turn } from '../src/providers/provider.ts';
import { WorkersAiProvider } from '../src/providers/workers-ai/workers-ai-provider.ts';
import { finishError, rejection } from './support/api-error-checks.ts';
import { checkFixturesThroughEngine } from './support/fixtures-through-engine.ts';
import { collect, providerTurn, userText } from './support/provider-turn.ts';
import { loadFixture, replayForFile, type Fixture } from './support/replay-server.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';

const SECRET = 'cf-test-portico-token';
const ACCOUNT = 'acc-123';

function catalogModel(upstreamModel: string): CatalogModel {
  return {
    id: `workers-ai/${upstreamModel}`,
    provider: 'workers-ai',
    upstreamModel,
    task: 'Text Generation',
    ownedBy: 'Cloudflare',
    proxied: true,
    contextWindow: 8192,
    capabilities: { tools: true, vision: false, structuredOutput: true, reasoningEfforts: [] },
  };
}

const CHAT_MODEL = catalogModel('@cf/meta/llama-3.1-8b-instruct');
const RUN_MODEL = catalogModel('@hf/nousresearch/hermes-2-pro-mistral-7b');

function makeTurn(overrides: Partial<Turn> = {}): Turn {
  return providerTurn(CHAT_MODEL, overrides);
}

function fixture(name: string): Fixture {
  return loadFixture(new URL(`./fixtures/workers-ai/${name}.json`, import.meta.url));
}

const replay = replayForFile(fixture('chat-text'), { forgetEachTest: true });

function provider(): WorkersAiProvider {
  return new WorkersAiProvider({
    id: 'workers-ai',
    baseUrl: `${replay.url()}/client/v4`,
    apiKey: SECRET,
    headers: {},
    timeouts: { connectMs: 5000, firstByteMs: 5000, idleMs: 5000 },
    post: undiciPost,
    accountId: ACCOUNT,
    newCallId: () => 'call_gen1',
  });
}

async function run(name: string, turn = makeTurn()): Promise<ModelEvent[]> {
  replay.answerWith(fixture(name));
  return collect(provider().generate(turn, new AbortController().signal));
}

const tools: Turn['tools'] = [
  {
    type: 'function',
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
];

describe('workers-ai: the OpenAI-compatible route', () => {
  test('@cf models go to ai/v1/chat/completions with the workers-ai preset', async () => {
    const events = await run(
      'chat-text',
      makeTurn({ instructions: 'Answer in French.', tools, sampling: { maxOutputTokens: 64 } }),
    );
    const request = replay.requests()[0]!;
    assert.equal(request.url, `/client/v4/accounts/${ACCOUNT}/ai/v1/chat/completions`);
    assert.equal(request.headers.authorization, `Bearer ${SECRET}`);
    const body = request.json as Record<string, unknown>;
    assert.equal(body.model, '@cf/meta/llama-3.1-8b-instruct');
    assert.equal(body.max_tokens, 64);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hi' },
    ]);
    assert.equal((body.tools as unknown[]).length, 1);
    assert.deepEqual(events, [
      { type: 'text-delta', delta: 'Bonjour' },
      { type: 'text-delta', delta: ' !' },
      { type: 'usage', usage: { inputTokens: 14, outputTokens: 3 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('an error envelope keeps its message and the retry hint', async () => {
    const error = await rejection(run('error-429'));
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 30);
    assert.match(error.message, /Capacity temporarily exceeded/);
  });
});

describe('workers-ai: the native ai/run route', () => {
  const runTurn = (overrides: Partial<Turn> = {}): Turn => makeTurn({ model: RUN_MODEL, ...overrides });

  test('@hf models go to ai/run/{model} with a native input', async () => {
    const items: Item[] = [
      userText('Weather in Paris?'),
      {
        type: 'function_call',
        id: 'f',
        call_id: 'call_1',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
      { type: 'function_call_output', id: 'o', call_id: 'call_1', output: '18C' },
      {
        type: 'message',
        id: 'm2',
        role: 'user',
        content: [
          { type: 'input_text', text: 'And ' },
          { type: 'input_text', text: 'tomorrow?' },
        ],
      },
    ];
    const events = await run(
      'run-text',
      runTurn({
        instructions: 'Be brief.',
        items,
        tools,
        toolChoice: 'required',
        text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' } } },
        sampling: { maxOutputTokens: 100, temperature: 0.1, seed: 5 },
      }),
    );
    const request = replay.requests()[0]!;
    assert.equal(
      request.url,
      `/client/v4/accounts/${ACCOUNT}/ai/run/@hf/nousresearch/hermes-2-pro-mistral-7b`,
    );
    assert.equal(request.headers.authorization, `Bearer ${SECRET}`);
    assert.deepEqual(request.json, {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      stream: true,
      max_tokens: 100,
      temperature: 0.1,
      seed: 5,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      response_format: { type: 'json_schema', json_schema: { type: 'object' } },
    });
    assert.deepEqual(events, [
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: ' from' },
      { type: 'text-delta', delta: ' the edge.' },
      { type: 'usage', usage: { inputTokens: 18, outputTokens: 5 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('a native tool call arrives whole', async () => {
    assert.deepEqual(await run('run-tool-call', runTurn({ tools })), [
      { type: 'tool-call-start', callId: 'call_gen1', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_gen1', delta: '{"city":"Paris"}' },
      { type: 'tool-call-end', callId: 'call_gen1' },
      { type: 'usage', usage: { inputTokens: 120, outputTokens: 22 } },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  test('a model that answers ai/run in Chat Completions chunks is read as such', async () => {
    assert.deepEqual(await run('chat-text', runTurn()), [
      { type: 'text-delta', delta: 'Bonjour' },
      { type: 'text-delta', delta: ' !' },
      { type: 'usage', usage: { inputTokens: 14, outputTokens: 3 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('images are refused before anything is sent', async () => {
    const items: Item[] = [
      {
        type: 'message',
        id: 'm',
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
        ],
      },
    ];
    const error = await rejection(run('run-text', runTurn({ items })));
    assert.equal(error.status, 400);
    assert.equal(replay.requests().length, 0);
  });

  test('error envelopes become OpenAI errors', async () => {
    const invalid = await rejection(run('error-400', runTurn()));
    assert.equal(invalid.status, 400);
    assert.match(invalid.message, /required properties/);
    const failed = await rejection(run('error-500', runTurn()));
    assert.equal(failed.status, 502);
    assert.equal(failed.retryable, true);
  });

  test('a reset, malformed JSON or a missing [DONE] ends with an error finish', async () => {
    assert.equal(finishError(await run('run-cut-midway', runTurn())).code, 'upstream_unavailable');
    assert.equal(finishError(await run('run-malformed', runTurn())).code, 'upstream_invalid_response');
    assert.equal(
      finishError(await run('run-ends-without-done', runTurn())).code,
      'upstream_incomplete_stream',
    );
  });
});

describe('workers-ai: through the engine', () => {
  test('every recorded stream reaches a client as a valid Responses stream or a clean HTTP error', async () => {
    const seen = await checkFixturesThroughEngine({
      dir: 'workers-ai',
      upstream: provider(),
      served: RUN_MODEL,
      serve: (recorded) => replay.answerWith(recorded),
    });
    assert.deepEqual(seen, [
      'chat-text.json: completed',
      'error-400.json: 400',
      'error-429.json: 429',
      'error-500.json: 502',
      'run-cut-midway.json: failed',
      'run-ends-without-done.json: failed',
      'run-malformed.json: failed',
      'run-text.json: completed',
      'run-tool-call.json: completed',
    ]);
  });
});
