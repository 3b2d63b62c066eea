import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cacheKey, normalizedRequest } from '../src/gateway/cache-key.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './support/scripted-provider.ts';
import { readEventStream } from './support/portico.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { projectClients } from './support/project-keys.ts';

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
    assert.equal(cacheKey('a', [request], ['k']), cacheKey('a', [{ model: 'x', input: 'other' }], ['k']));
    assert.notEqual(cacheKey('a', [request], ['k']), cacheKey('b', [request], ['k']));
    // A universal request's steps: each named by its own key, else by its request.
    const other = { model: 'x', input: 'other' };
    assert.equal(cacheKey('a', [request, other], ['k', 'k']), cacheKey('a', [request], ['k']));
    assert.equal(
      cacheKey('a', [request, other], ['k']),
      cacheKey('a', [{ model: 'y', input: 'y' }, other], ['k']),
    );
    assert.notEqual(cacheKey('a', [request, other], ['k']), cacheKey('a', [request, request], ['k']));
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

  test("a universal step's own cf-aig-cache-key names its answer, as the request's does", async () => {
    const key = `step-key-${Math.random()}`;
    const step = (input: string) => ({
      provider: 'compat',
      endpoint: 'responses',
      headers: { 'cf-aig-cache-key': key },
      query: { model: 'test/echo', input },
    });
    const first = await gateway.request('POST', '/v1/account/default', [step('one question')]);
    const second = await gateway.request('POST', '/v1/account/default', [step('another question')]);
    assert.deepEqual(
      [first.headers.get('cf-aig-cache-status'), second.headers.get('cf-aig-cache-status')],
      ['MISS', 'HIT'],
    );
  });

  test('a turn of a conversation is never cached: the conversation has grown since, under the same id', async () => {
    const conversation = await gateway.client().conversations.create();
    const turn = () =>
      gateway
        .client()
        .responses.create({ model: 'test/echo', input: 'and then?', conversation: conversation.id })
        .withResponse();
    const asked = provider.turns.length;
    for (let n = 0; n < 2; n++)
      assert.equal((await turn()).response.headers.get('cf-aig-cache-status'), null);
    assert.deepEqual(
      provider.turns.slice(asked).map((seen) => seen.items.length),
      [1, 3],
      'the second turn was asked, with the first one in its context',
    );
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

describe('the cache of requests without a key', () => {
  let gateway: GatewayUnderTest;
  let alpha: Record<string, string>;
  // The answer repeats its prompt, as a model's often does.
  const parrot = new ScriptedProvider((turn) => textEvents(`You said: ${JSON.stringify(turn.items.at(-1))}`));

  before(async () => {
    gateway = await startGateway({
      config: { gateways: { open: { authentication: false, cache_ttl: 600 } } },
      models: [scriptedModel('test/echo', 'scripted')],
      providers: new Map([['scripted', parrot]]),
    });
    alpha = (await projectClients(gateway, ['alpha'])).headers.alpha!;
  });
  after(() => gateway.stop());

  test('may not name their cache key: every keyless caller shares one project, so a name would share answers', async () => {
    const open = { 'cf-aig-gateway-id': 'open' };
    const named = { ...open, 'cf-aig-cache-key': 'session-1' };
    const secret = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'my pin is 4321' },
      named,
    );
    assert.equal(secret.status, 401);
    assert.equal((secret.json.error as { code: string }).code, 'missing_api_key');
    assert.match((secret.json.error as { message: string }).message, /cf-aig-cache-key/);
    const guessed = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'hello' },
      named,
    );
    assert.equal(guessed.status, 401);
    assert.ok(!JSON.stringify(guessed.json).includes('4321'));
    const step = [
      {
        provider: 'compat',
        endpoint: 'responses',
        headers: named,
        query: { model: 'test/echo', input: 'hi' },
      },
    ];
    const viaStep = await gateway.request('POST', '/v1/a/open', step, open);
    assert.deepEqual(
      [viaStep.status, (viaStep.json.error as { code: string }).code],
      [401, 'missing_api_key'],
    );
    // Without a name, the key is the whole request: a caller finds only the answer to what it asks itself.
    const asked = { model: 'test/echo', input: 'the weather?' };
    await gateway.request('POST', '/v1/responses', asked, open);
    const again = await gateway.request('POST', '/v1/responses', asked, open);
    assert.equal(again.headers.get('cf-aig-cache-status'), 'HIT');
    // With a key, the name is the project's own.
    const mine = { ...named, ...alpha };
    await gateway.request('POST', '/v1/responses', { model: 'test/echo', input: 'one' }, mine);
    const hit = await gateway.request('POST', '/v1/responses', { model: 'test/echo', input: 'two' }, mine);
    assert.equal(hit.headers.get('cf-aig-cache-status'), 'HIT');
  });
});
