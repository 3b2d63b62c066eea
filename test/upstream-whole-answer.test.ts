import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import type { CreateResponseRequest } from '../src/api/request.ts';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { BUILTIN_MODELS } from '../src/config/builtin-models.ts';
import { startResponse } from '../src/engine/create-response.ts';
import { randomId } from '../src/engine/ids.ts';
import { AnthropicProvider } from '../src/providers/anthropic/anthropic-provider.ts';
import { ChatCompletionsProvider } from '../src/providers/chat-completions/chat-completions-provider.ts';
import type { UpstreamOptions } from '../src/providers/http/upstream-options.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';
import { OpenAiProvider } from '../src/providers/openai/openai-provider.ts';
import type { ModelEvent, Provider, Turn } from '../src/providers/provider.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { collect, providerTurn } from './support/provider-turn.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';
import { checkResponseStream } from './support/stream-checks.ts';

/**
 * A request made without `stream` asks the upstream for its whole answer (test/fixtures/*
 * /answer-*.json, each derived from the recorded stream of the same name) and yields it as the
 * events that stream yields, whole: the same items, usage and finish.
 */

const openAiFixture = (name: string): Fixture =>
  loadFixture(new URL(`./fixtures/openai/${name}.json`, import.meta.url));
const chatFixture = (name: string): Fixture =>
  loadFixture(new URL(`./fixtures/chat-completions/${name}.json`, import.meta.url));
const anthropicFixture = (name: string): Fixture =>
  loadFixture(new URL(`./fixtures/anthropic/${name}.json`, import.meta.url));
const model = BUILTIN_MODELS[0]!;
const timeouts = { connectMs: 5_000, firstByteMs: 5_000, idleMs: 5_000 };

let server: ReplayServer;
let served: Fixture;
before(async () => {
  server = await startReplayServer(() => served);
});
after(() => server.close());

function openAi(overrides: Partial<UpstreamOptions> = {}): OpenAiProvider {
  const options = { id: 'openai', baseUrl: `${server.url}/v1`, apiKey: 'sk-test', headers: {} };
  return new OpenAiProvider({ ...options, timeouts, post: undiciPost, ...overrides });
}

function anthropic(): AnthropicProvider {
  const options = { id: 'anthropic', baseUrl: `${server.url}/v1`, apiKey: 'sk-ant-test', headers: {} };
  return new AnthropicProvider({ ...options, timeouts, post: undiciPost });
}

function chat(): ChatCompletionsProvider {
  const options = { id: 'vllm', baseUrl: `${server.url}/v1`, apiKey: 'sk-test', headers: {} };
  return new ChatCompletionsProvider({ ...options, timeouts, post: undiciPost, newCallId: () => 'call_gen' });
}

async function generate(
  provider: Provider,
  fixture: Fixture,
  turn: Partial<Turn> = {},
): Promise<ModelEvent[]> {
  served = fixture;
  return collect(provider.generate(providerTurn(model, turn), new AbortController().signal));
}

/**
 * A stream's events as one whole answer carries them: consecutive deltas joined, no progress
 * events, a tool call's arguments as the JSON they spell (a whole answer's input is an object).
 */
function whole(events: ModelEvent[], asJson = false): ModelEvent[] {
  const out: ModelEvent[] = [];
  for (const event of events) {
    if (event.type === 'native-item-start' || event.type === 'native-item-event') continue;
    const last = out.at(-1);
    if (
      last &&
      'delta' in last &&
      'delta' in event &&
      last.type === event.type &&
      JSON.stringify({ ...last, delta: '' }) === JSON.stringify({ ...event, delta: '' })
    )
      out[out.length - 1] = { ...last, delta: last.delta + event.delta };
    else out.push(event);
  }
  if (!asJson) return out;
  return out.map((event) =>
    event.type === 'tool-call-delta' ? { ...event, delta: JSON.stringify(JSON.parse(event.delta)) } : event,
  );
}

test('a turn that is not streamed asks each upstream for JSON, without stream or stream_options', async () => {
  const providers: Array<[Provider, Fixture]> = [
    [openAi(), openAiFixture('answer-text')],
    [chat(), chatFixture('answer-text')],
    [anthropic(), anthropicFixture('answer-text')],
  ];
  for (const [provider, fixture] of providers) {
    await generate(provider, fixture, { stream: false });
    const request = server.requests.at(-1)!;
    const body = request.json as Record<string, unknown>;
    assert.equal(body.stream, false, request.url);
    assert.equal(body.stream_options, undefined, request.url);
    assert.equal(request.headers.accept, 'application/json', request.url);
  }
});

describe('openai provider: whole answers', () => {
  for (const name of ['text', 'reasoning', 'function-call', 'web-search', 'incomplete'])
    test(`${name}: the same events as its stream, whole`, async () => {
      const streamed = await generate(openAi(), openAiFixture(name), { stream: true });
      const answered = await generate(openAi(), openAiFixture(`answer-${name}`), { stream: false });
      // A native item arrives finished: it is opened and closed at once.
      const opened = answered.filter((event) => event.type !== 'native-item-start');
      assert.deepEqual(opened, whole(streamed));
    });

  test("a whole text brings its tokens' logprobs", async () => {
    const answer = openAiFixture('answer-text');
    const response = JSON.parse(answer.body!) as {
      output: Array<{ content: Array<Record<string, unknown>> }>;
    };
    const logprob = { token: 'Hello', logprob: -0.25, bytes: [72, 101, 108, 108, 111], top_logprobs: [] };
    response.output[0]!.content[0]!.logprobs = [logprob];
    const events = await generate(openAi(), { ...answer, body: JSON.stringify(response) }, { stream: false });
    assert.deepEqual(events[0], {
      type: 'text-delta',
      delta: 'Hello! How can I help you today?',
      logprobs: [logprob],
    });
  });

  test('a failed answer is thrown with the upstream reason, so the request can be retried', async () => {
    await assert.rejects(generate(openAi(), openAiFixture('answer-failed'), { stream: false }), (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 502);
      assert.match(error.message, /invalid content/);
      return true;
    });
  });

  test('an answer that is not JSON, or not a Response, is a retryable 502', async () => {
    const answer = openAiFixture('answer-text');
    for (const body of ['{"status": "completed", "output": [', '{"object": "response"}'])
      await assert.rejects(generate(openAi(), { ...answer, body }, { stream: false }), (error) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, 'upstream_invalid_response');
        assert.equal(error.retryable, true);
        return true;
      });
  });

  test('a whole answer may take the longer of the first-byte and idle timeouts, however steadily it arrives', async () => {
    const answer = openAiFixture('answer-text');
    const body = answer.body!;
    const chunks = [body.slice(0, 100), body.slice(100, 200), body.slice(200)];
    const slow = openAi({ timeouts: { connectMs: 1_000, firstByteMs: 100, idleMs: 1_000 } });
    // Past the first-byte timeout, within the idle one: answered.
    const answered = await generate(slow, { ...answer, firstChunkDelayMs: 300 }, { stream: false });
    assert.equal(answered.at(-1)?.type, 'finish');
    // Every chunk within the idle timeout of the one before, but not the whole: a timeout.
    const paced = { ...answer, chunks, chunkDelayMs: 600 };
    await assert.rejects(generate(slow, paced, { stream: false }), (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 504);
      assert.equal(error.code, 'upstream_timeout');
      return true;
    });
  });

  test("the caller's abort while the answer arrives stops it with the caller's reason", async () => {
    served = { ...openAiFixture('answer-text'), firstChunkDelayMs: 5_000 };
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(
      collect(openAi().generate(providerTurn(model, { stream: false }), controller.signal)),
      (error) => error === reason,
    );
  });

  test('an upstream that streams although asked for JSON is still read', async () => {
    const answered = await generate(openAi(), openAiFixture('text'), { stream: false });
    assert.deepEqual(answered, await generate(openAi(), openAiFixture('text'), { stream: true }));
  });
});

describe('chat-completions provider: whole answers', () => {
  for (const name of ['text', 'tool-call', 'length'])
    test(`${name}: the same events as its stream, whole`, async () => {
      const streamed = await generate(chat(), chatFixture(name), { stream: true });
      const answered = await generate(chat(), chatFixture(`answer-${name}`), { stream: false });
      assert.deepEqual(answered, whole(streamed));
    });

  test('an error reported in a 200 answer is thrown with its message', async () => {
    const body = JSON.stringify({ object: 'error', message: 'The model is overloaded.', code: 503 });
    await assert.rejects(
      generate(chat(), { ...chatFixture('answer-text'), body }, { stream: false }),
      (error) => {
        assert.ok(error instanceof ApiError);
        assert.match(error.message, /overloaded/);
        assert.equal(error.retryable, true);
        return true;
      },
    );
  });
});

describe('anthropic provider: whole answers', () => {
  for (const name of ['text', 'tool-use', 'thinking', 'max-tokens'])
    test(`${name}: the same events as its stream, whole`, async () => {
      const streamed = await generate(anthropic(), anthropicFixture(name), { stream: true });
      const answered = await generate(anthropic(), anthropicFixture(`answer-${name}`), { stream: false });
      assert.deepEqual(answered, whole(streamed, true));
    });
});

describe('a JSON answer through the engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-whole-'));
  const stores = openSqliteStores({ dataDir });
  after(async () => {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function respond(fixture: Fixture, request: Partial<CreateResponseRequest>) {
    served = fixture;
    const catalogModel: CatalogModel = model;
    const started = await startResponse(
      { model: model.id, input: 'Hi', ...request } as CreateResponseRequest,
      {
        catalog: new Catalog([catalogModel], new Map([['openai', openAi()]])),
        store: stores.responses,
        newId: randomId,
        now: Date.now,
        owner: 'owner-whole-test',
      },
      new AbortController().signal,
    );
    const events: ResponseStreamEvent[] = [];
    for await (const event of started.events) events.push(event);
    return {
      response: checkResponseStream(events as unknown as Array<Record<string, unknown>>),
      upstream: server.requests.at(-1)!.json as { stream: boolean },
    };
  }

  /** Output items without the ids Portico makes afresh for each response. */
  const withoutIds = (output: unknown): unknown =>
    JSON.parse(JSON.stringify(output, (key, value: unknown) => (key === 'id' ? undefined : value)));

  test('a request without stream folds the whole answer to the same response as the stream', async () => {
    for (const name of ['text', 'reasoning', 'function-call', 'web-search', 'incomplete']) {
      const streamed = await respond(openAiFixture(name), { stream: true });
      const answered = await respond(openAiFixture(`answer-${name}`), {});
      assert.equal(streamed.upstream.stream, true);
      assert.equal(answered.upstream.stream, false, name);
      assert.equal(answered.response.status, streamed.response.status, name);
      assert.deepEqual(withoutIds(answered.response.output), withoutIds(streamed.response.output), name);
      assert.deepEqual(answered.response.usage, streamed.response.usage, name);
    }
  });

  test('a background response streams from its upstream: its events are kept for replay', async () => {
    const { upstream } = await respond(openAiFixture('text'), { background: true });
    assert.equal(upstream.stream, true);
  });
});
