import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cacheKey, normalizedRequest } from '../src/gateway/cache-key.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './support/scripted-provider.ts';
import { readEventStream } from './support/portico.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';

describe('the cache key', () => {
  test('a string input and the same message as a list are one request; delivery fields are not part of it', () => {
    const a = normalizedRequest({
      model: 'm',
      input: 'hi',
      stream: true,
      metadata: { a: '1' },
      store: false,
    });
    const b = normalizedRequest({
      model: 'm',
      input: [{ type: 'message', id: 'msg_client', role: 'user', content: 'hi' }],
    });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, normalizedRequest({ model: 'm', input: 'hi', temperature: 0.5 }));
  });

  test('the project is always part of the key, and a custom key replaces the request', () => {
    const request = { model: 'm', input: 'hi' };
    assert.notEqual(cacheKey('a', [request]), cacheKey('b', [request]));
    assert.equal(cacheKey('a', [request], 'k'), cacheKey('a', [{ model: 'x', input: 'other' }], 'k'));
    assert.notEqual(cacheKey('a', [request], 'k'), cacheKey('b', [request], 'k'));
  });
});

describe('caching through the gateway', () => {
  let gateway: GatewayUnderTest;
  const provider = new ScriptedProvider(() =>
    textEvents('The cached answer is long enough to stream in parts.', 9),
  );
  let failNext = false;
  const flaky = new ScriptedProvider(() => {
    if (failNext) {
      failNext = false;
      return [{ type: 'finish', reason: 'error' }];
    }
    return textEvents('recovered');
  });

  before(async () => {
    gateway = await startGateway({
      config: { gateways: { default: { cache_ttl: 600 }, plain: {} } },
      models: [scriptedModel('test/echo', 'scripted'), scriptedModel('test/flaky', 'flaky')],
      providers: new Map([
        ['scripted', provider],
        ['flaky', flaky],
      ]),
    });
  });
  after(() => gateway.stop());

  test('a repeated request is a HIT: its own id, stored, and previous_response_id works from it', async () => {
    const calls = provider.turns.length;
    const input = `What is cached? ${Math.random()}`;
    const first = await gateway.client().responses.create({ model: 'test/echo', input }).withResponse();
    const second = await gateway.client().responses.create({ model: 'test/echo', input }).withResponse();
    assert.equal(first.response.headers.get('cf-aig-cache-status'), 'MISS');
    assert.equal(second.response.headers.get('cf-aig-cache-status'), 'HIT');
    assert.equal(provider.turns.length, calls + 1, 'the model ran once');
    assert.notEqual(second.data.id, first.data.id);
    assert.equal(second.data.output_text, first.data.output_text);
    assertMatchesSchema('Response', second.data);
    const stored = await gateway.client().responses.retrieve(second.data.id);
    assert.equal(stored.output_text, first.data.output_text);
    const next = await gateway.client().responses.create({
      model: 'test/echo',
      input: 'and then?',
      previous_response_id: second.data.id,
    });
    const turn = provider.turns.at(-1)!;
    assert.equal(next.status, 'completed');
    assert.equal(turn.items.length, 3, 'the hit is part of the chain: its input, its output, the new input');
  });

  test('a streamed answer is cached as its events: replayed as a stream, and as JSON for a plain request', async () => {
    const input = `Stream me ${Math.random()}`;
    const live = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/echo', input, stream: true }),
    });
    assert.equal(live.headers.get('cf-aig-cache-status'), 'MISS');
    const liveEvents = await readEventStream(live.body!);
    const calls = provider.turns.length;
    const replay = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/echo', input, stream: true }),
    });
    assert.equal(replay.headers.get('cf-aig-cache-status'), 'HIT');
    const replayed = await readEventStream(replay.body!);
    const final = checkResponseStream(replayed);
    const deltas = (events: Array<Record<string, unknown>>) =>
      events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    assert.deepEqual(deltas(replayed), deltas(liveEvents), 'the same deltas, in the same parts');
    const folded = await gateway.client().responses.create({ model: 'test/echo', input });
    assert.equal(folded.output_text, final.output_text);
    assert.equal(provider.turns.length, calls, 'neither replay ran the model');
  });

  test('errors are never cached', async () => {
    failNext = true;
    const input = `flaky ${Math.random()}`;
    const failed = await gateway.client().responses.create({ model: 'test/flaky', input });
    assert.equal(failed.status, 'failed');
    const retried = await gateway.client().responses.create({ model: 'test/flaky', input }).withResponse();
    assert.equal(retried.response.headers.get('cf-aig-cache-status'), 'MISS');
    assert.equal(retried.data.output_text, 'recovered');
  });

  test('cf-aig-skip-cache bypasses it; cf-aig-cache-key replaces the key; cf-aig-cache-ttl turns it on', async () => {
    const input = `skip ${Math.random()}`;
    await gateway.client().responses.create({ model: 'test/echo', input });
    const skipped = await gateway
      .client('unused', { 'cf-aig-skip-cache': 'true' })
      .responses.create({ model: 'test/echo', input })
      .withResponse();
    assert.equal(skipped.response.headers.get('cf-aig-cache-status'), null);

    const keyed = gateway.client('unused', { 'cf-aig-cache-key': `key-${Math.random()}` });
    await keyed.responses.create({ model: 'test/echo', input: 'one question' });
    const other = await keyed.responses
      .create({ model: 'test/echo', input: 'another question' })
      .withResponse();
    assert.equal(other.response.headers.get('cf-aig-cache-status'), 'HIT');

    const plain = gateway.client('unused', { 'cf-aig-gateway-id': 'plain' });
    const uncached = await plain.responses.create({ model: 'test/echo', input }).withResponse();
    assert.equal(
      uncached.response.headers.get('cf-aig-cache-status'),
      null,
      'the plain gateway does not cache',
    );
    const ttl = gateway.client('unused', { 'cf-aig-gateway-id': 'plain', 'cf-aig-cache-ttl': '120' });
    await ttl.responses.create({ model: 'test/echo', input: `ttl ${input}` });
    const hit = await ttl.responses.create({ model: 'test/echo', input: `ttl ${input}` }).withResponse();
    assert.equal(hit.response.headers.get('cf-aig-cache-status'), 'HIT');
  });

  test('a cache TTL outside 60 s to a month is a 400 naming the header', async () => {
    const { status, json } = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'x' },
      { 'cf-aig-cache-ttl': '30' },
    );
    assert.equal(status, 400);
    assert.equal((json.error as { param: string }).param, 'cf-aig-cache-ttl');
  });

  test('chat completions share the cache, and a cached chat answer is a chat answer', async () => {
    const content = `chat ${Math.random()}`;
    const first = await gateway
      .client()
      .chat.completions.create({ model: 'test/echo', messages: [{ role: 'user', content }] });
    const again = await gateway
      .client()
      .chat.completions.create({ model: 'test/echo', messages: [{ role: 'user', content }] })
      .withResponse();
    assert.equal(again.response.headers.get('cf-aig-cache-status'), 'HIT');
    assert.equal(again.data.choices[0]?.message.content, first.choices[0]?.message.content);
    assert.notEqual(again.data.id, first.id);
  });
});
