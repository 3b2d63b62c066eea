import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PROJECT } from '../src/store/owner.ts';
import { resolveConfig } from '../src/config/resolve-config.ts';
import { dripChatFixture } from './support/drip-chat-fixture.ts';
import { readEventStream, startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';

// The per-response generation time limit, through the real server: a 504 before the first
// event, `response.failed` after it, the record stored so, and the model free for the next.
const text = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
let next: Fixture = text;
let upstream: ReplayServer;
let portico: TestPortico;

before(async () => {
  upstream = await startReplayServer(() => next);
  portico = await startPortico({
    env: { PORTICO_MAX_GENERATION_MS: '700' },
    config: {
      providers: { loop: { type: 'chat-completions', base_url: `${upstream.url}/v1` } },
      models: [
        { id: 'loop/model', provider: 'loop', context_window: 8000, max_generation_ms: 500 },
        { id: 'loop/patient', provider: 'loop', upstream_model: 'model', context_window: 8000 },
      ],
    },
  });
});
after(async () => {
  await portico.stop();
  await upstream.close();
});

async function create(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${portico.server.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: 'hi', ...body }),
  });
}

describe('generation time limit', () => {
  test('no first event within the limit: a 504 generation_timeout, not retried', async () => {
    next = { ...text, hang: true };
    const before = upstream.requests.length;
    const response = await create({ model: 'loop/model' });
    assert.equal(response.status, 504);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'generation_timeout');
    assert.match(error.message, /generation time limit of 0.5 s/);
    assert.equal(upstream.requests.length - before, 1);
  });

  test('past the limit mid-stream: response.failed, stored as failed', async () => {
    next = dripChatFixture(40, 100);
    const response = await create({ model: 'loop/model', stream: true });
    assert.equal(response.status, 200);
    const events = await readEventStream(response.body!);
    const last = events.at(-1) as { type: string; response: { id: string; error: { message: string } } };
    assert.equal(last.type, 'response.failed');
    assert.match(last.response.error.message, /generation time limit of 0.5 s/);
    assert.ok(events.some((event) => event.type === 'response.output_text.delta'));
    const stored = await portico.server.runtime.stores.responses.get(last.response.id, DEFAULT_PROJECT);
    assert.equal(stored?.status, 'failed');
  });

  test('a model without its own limit has the global one (PORTICO_MAX_GENERATION_MS)', async () => {
    next = dripChatFixture(40, 100);
    const response = await create({ model: 'loop/patient' });
    const body = (await response.json()) as { status: string; error: { message: string } };
    assert.equal(body.status, 'failed');
    assert.match(body.error.message, /generation time limit of 0.7 s/);
    next = text;
    assert.equal(
      ((await (await create({ model: 'loop/patient' })).json()) as { status: string }).status,
      'completed',
    );
  });

  test('a local model stopped at its limit frees its sequence for the next request', async () => {
    const local = await startPortico({ config: { models: [], max_generation_ms: 150 } });
    try {
      // Loading the model takes longer than the limit itself: until it is loaded, requests are 504s.
      for (let attempt = 0; attempt < 100; attempt++) {
        const warm = await local.client.responses
          .create({ model: TINY_MODEL, input: 'Hi', max_output_tokens: 1 })
          .catch(() => undefined);
        if (warm) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const long = await local.client.responses.create({
        model: TINY_MODEL,
        input: 'Once upon a time',
        max_output_tokens: 100_000,
      });
      assert.equal(long.status, 'failed');
      assert.match(long.error?.message ?? '', /generation time limit of 0.15 s/);
      const short = await local.client.responses.create({
        model: TINY_MODEL,
        input: 'Hi',
        max_output_tokens: 4,
      });
      assert.equal(short.status, 'incomplete');
    } finally {
      await local.stop();
    }
  });

  test('the limit is read from the file, the environment, or defaults to ten minutes', () => {
    assert.equal(resolveConfig({}, { env: {} }).maxGenerationMs, 600_000);
    assert.equal(resolveConfig({}, { env: { PORTICO_MAX_GENERATION_MS: '2500' } }).maxGenerationMs, 2500);
    assert.equal(
      resolveConfig({ max_generation_ms: 900 }, { env: { PORTICO_MAX_GENERATION_MS: '2500' } })
        .maxGenerationMs,
      900,
    );
    assert.throws(
      () => resolveConfig({}, { env: { PORTICO_MAX_GENERATION_MS: 'soon' } }),
      /PORTICO_MAX_GENERATION_MS must be a positive whole number/,
    );
  });
});
