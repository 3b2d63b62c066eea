import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { retryDelayMs } from '../src/gateway/backoff.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';
import { scriptedModel } from './support/scripted-provider.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';

const fixture = (name: string) =>
  loadFixture(new URL(`./fixtures/chat-completions/${name}.json`, import.meta.url));
const TEXT = fixture('text');
const ERROR_500 = fixture('error-500');
const ERROR_400 = fixture('error-400');
const HANG = fixture('hang');
const CUT = fixture('cut-midway');
const RATE_LIMITED: Fixture = {
  ...fixture('error-429'),
  headers: { 'content-type': 'application/json', 'retry-after': '1' },
};

describe('backoff', () => {
  test('constant, linear and exponential delays, with ±20% jitter, never under retry-after', () => {
    const mid = () => 0.5;
    assert.equal(retryDelayMs(100, 'constant', 3, undefined, mid), 100);
    assert.equal(retryDelayMs(100, 'linear', 3, undefined, mid), 300);
    assert.equal(retryDelayMs(100, 'exponential', 3, undefined, mid), 400);
    assert.equal(
      retryDelayMs(100, 'exponential', 1, undefined, () => 0),
      80,
    );
    assert.equal(
      retryDelayMs(100, 'exponential', 1, undefined, () => 1),
      120,
    );
    assert.equal(retryDelayMs(100, 'constant', 1, 2, mid), 2000);
  });
});

describe('retries and fallbacks against a loopback upstream', () => {
  let upstream: ReplayServer;
  let gateway: GatewayUnderTest;
  /** What the upstream answers next, one fixture per request; then TEXT. */
  let script: Fixture[] = [];

  before(async () => {
    upstream = await startReplayServer(() => script.shift() ?? TEXT);
    gateway = await startGateway({
      config: {
        providers: { loop: { type: 'chat-completions', base_url: `${upstream.url}/v1` } },
        models: [
          { id: 'loop/model', provider: 'loop', context_window: 8000 },
          {
            id: 'loop/backed',
            provider: 'loop',
            upstream_model: 'model',
            context_window: 8000,
            fallbacks: ['test/echo'],
          },
        ],
        gateways: {
          default: { retries: { max_attempts: 3, delay_ms: 10, backoff: 'constant' } },
          once: {},
        },
      },
      models: [scriptedModel('test/echo', 'scripted')],
      providers: new Map([['scripted', echoProvider('the fallback answered')]]),
    });
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });
  beforeEach(() => {
    script = [];
    upstream.requests.length = 0;
  });

  test('a retryable upstream failure is retried with the gateway backoff, and the log counts the attempts', async () => {
    script = [ERROR_500, ERROR_500];
    const response = await gateway.client().responses.create({ model: 'loop/model', input: 'hi' });
    assert.equal(response.status, 'completed');
    assert.equal(upstream.requests.length, 3);
    const log = (await gateway.logs()).at(-1)!;
    assert.equal(log.attempts, 3);
    assert.equal(log.success, true);
  });

  test('one attempt on a gateway without retries; cf-aig-max-attempts asks for more', async () => {
    script = [ERROR_500];
    const once = { 'cf-aig-gateway-id': 'once' };
    const failed = await gateway.request('POST', '/v1/responses', { model: 'loop/model', input: 'hi' }, once);
    assert.equal(failed.status, 502);
    script = [ERROR_500];
    const retried = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'loop/model', input: 'hi' },
      { ...once, 'cf-aig-max-attempts': '2', 'cf-aig-retry-delay': '0' },
    );
    assert.equal(retried.status, 200);
  });

  test("the upstream's retry-after is waited out before the next attempt", async () => {
    script = [RATE_LIMITED];
    const started = Date.now();
    const response = await gateway.client().responses.create({ model: 'loop/model', input: 'hi' });
    assert.equal(response.status, 'completed');
    assert.ok(Date.now() - started >= 950, 'the retry came after retry-after: 1');
  });

  test('a client error is not retried', async () => {
    script = [ERROR_400];
    const failed = await gateway.request('POST', '/v1/responses', { model: 'loop/model', input: 'hi' });
    assert.equal(failed.status, 400);
    assert.equal(upstream.requests.length, 1);
  });

  test('nothing is retried once the answer has begun: a stream cut midway ends failed', async () => {
    script = [CUT];
    const response = await gateway.client().responses.create({ model: 'loop/model', input: 'hi' });
    assert.equal(response.status, 'failed');
    assert.equal(upstream.requests.length, 1);
  });

  test('the request timeout counts to the first byte, per attempt, as a 504; the last of a retried request waits', async () => {
    script = [HANG];
    const timedOut = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'loop/model', input: 'hi' },
      { 'cf-aig-gateway-id': 'once', 'cf-aig-request-timeout': '300' },
    );
    assert.equal(timedOut.status, 504);
    assert.equal((timedOut.json.error as { code: string }).code, 'upstream_timeout');

    // Retried, the last attempt waits however long it takes: nothing is left to hand over to.
    script = [HANG, { ...TEXT, firstChunkDelayMs: 600 }];
    const waited = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'loop/model', input: 'hi' },
      {
        'cf-aig-gateway-id': 'once',
        'cf-aig-request-timeout': '300',
        'cf-aig-max-attempts': '2',
        'cf-aig-retry-delay': '0',
      },
    );
    assert.equal(waited.status, 200);
    assert.equal(upstream.requests.length, 3);
  });

  test("a model's fallbacks answer when its upstream fails; cf-aig-step names the one that did", async () => {
    script = [ERROR_500, ERROR_500, ERROR_500];
    const answer = await gateway
      .client()
      .responses.create({ model: 'loop/backed', input: 'hi' })
      .withResponse();
    assert.equal(answer.data.output_text, 'the fallback answered');
    assert.equal(answer.data.model, 'test/echo');
    assert.equal(answer.response.headers.get('cf-aig-step'), '1');
    const log = (await gateway.logs()).at(-1)!;
    assert.equal(log.step, 1);
    assert.equal(log.model, 'test/echo');
  });

  test('a fallback the key may not use is passed over: the failure of the model it asked for stands', async () => {
    script = [ERROR_500, ERROR_500, ERROR_500];
    const principal = {
      project: 'default',
      keyId: 'key_scoped',
      scopes: { models: ['loop/*'] },
      authenticated: true,
    };
    await assert.rejects(
      gateway.server.runtime.gateway.run({
        path: 'test',
        credentials: { kind: 'principal', principal },
        gatewayId: undefined,
        options: {},
        steps: [{ request: { model: 'loop/backed', input: 'hi' }, options: {} }],
        modelFallbacks: true,
        signal: new AbortController().signal,
        warnings: [],
      }),
      (error: { status: number }) => error.status >= 500,
    );
    assert.equal(upstream.requests.length, 3, 'the model it asked for was tried, and its fallback never');
  });

  test('the universal endpoint tries its steps in order, answering in the format of the step that answered', async () => {
    script = [ERROR_500];
    const steps = [
      {
        provider: 'loop',
        endpoint: 'chat/completions',
        headers: { 'cf-aig-max-attempts': 1 },
        query: { model: 'model', messages: [{ role: 'user', content: 'hi' }] },
      },
      { provider: 'compat', endpoint: 'responses', query: { model: 'test/echo', input: 'hi' } },
    ];
    const answer = await gateway.request('POST', '/v1/account/default', steps);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cf-aig-step'), '1');
    assert.equal(answer.json.object, 'response');
    assert.equal(answer.json.output_text, 'the fallback answered');

    // Cached, it answers again as the step that made it, in that step's format.
    const cached = { 'cf-aig-cache-ttl': '60' };
    const keyed = [
      { ...steps[0]!, query: { model: 'model', messages: [{ role: 'user', content: 'cache me' }] } },
      { ...steps[1]!, query: { model: 'test/echo', input: 'cache me' } },
    ];
    script = [ERROR_500];
    const first = await gateway.request('POST', '/v1/account/default', keyed, cached);
    const again = await gateway.request('POST', '/v1/account/default', keyed, cached);
    assert.deepEqual(
      [first, again].map((a) => [
        a.headers.get('cf-aig-cache-status'),
        a.headers.get('cf-aig-step'),
        a.json.object,
      ]),
      [
        ['MISS', '1', 'response'],
        ['HIT', '1', 'response'],
      ],
    );

    const bad = await gateway.request('POST', '/v1/account/default', [
      { provider: 'loop', endpoint: 'embeddings', query: {} },
    ]);
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { param: string }).param, '[0].endpoint');
    for (const [name, value] of [
      ['bad name', 'x'],
      ['cf-aig-metadata', 'a\r\nb'],
      ['cf-aig-event-id', 'caf\u00e9\u2603'],
    ]) {
      const header = await gateway.request('POST', '/v1/account/default', [
        {
          provider: 'loop',
          endpoint: 'responses',
          headers: { [name!]: value },
          query: { model: 'm', input: 'x' },
        },
      ]);
      assert.equal(header.status, 400, `${name}: ${JSON.stringify(header.json)}`);
      assert.equal((header.json.error as { param: string }).param, `[0].headers.${name}`);
    }
  });

  test('a universal step whose query its endpoint refuses hands over to the next, as a provider error would', async () => {
    const refused = { provider: 'compat', endpoint: 'responses', query: { model: 'test/echo' } };
    const echo = { provider: 'compat', endpoint: 'responses', query: { model: 'test/echo', input: 'hi' } };
    const answer = await gateway.request('POST', '/v1/account/default', [refused, echo]);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.headers.get('cf-aig-step'), '1');
    assert.match(
      answer.headers.get('x-portico-warnings') ?? '',
      /^\[0\]\.query\.input: .*The step was not run\.$/,
    );
    const log = (await gateway.logs()).at(-1)!;
    assert.equal(log.step, 1);

    // With nothing after it to hand over to, its refusal is the answer; so it is when it is last.
    const alone = await gateway.request('POST', '/v1/account/default', [refused]);
    assert.equal(alone.status, 400);
    assert.equal((alone.json.error as { param: string }).param, '[0].query.input');
    script = [ERROR_500];
    const failing = {
      provider: 'loop',
      endpoint: 'chat/completions',
      headers: { 'cf-aig-max-attempts': 1 },
      query: { model: 'model', messages: [{ role: 'user', content: 'hi' }] },
    };
    const sent = upstream.requests.length;
    const last = await gateway.request('POST', '/v1/account/default', [failing, refused]);
    assert.equal(upstream.requests.length, sent + 1, 'the first step was tried');
    assert.equal(last.status, 400);
    assert.equal((last.json.error as { param: string }).param, '[1].query.input');
  });

  test("a universal step's own cf-aig-* headers win over the request's, for the cache and the log", async () => {
    const steps = (input: string) => [
      {
        provider: 'loop',
        endpoint: 'chat/completions',
        headers: { 'cf-aig-max-attempts': 1 },
        query: { model: 'model', messages: [{ role: 'user', content: input }] },
      },
      {
        provider: 'compat',
        endpoint: 'responses',
        headers: {
          'cf-aig-cache-ttl': 0,
          'cf-aig-event-id': 'fallback-event',
          'cf-aig-metadata': '{"step":"fallback"}',
          'cf-aig-custom-cost': '{"total_cost":7}',
        },
        query: { model: 'test/echo', input },
      },
    ];
    const request = { 'cf-aig-cache-ttl': '3600', 'cf-aig-event-id': 'request-event' };
    const statuses: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      script = [ERROR_500];
      const answer = await gateway.request('POST', '/v1/account/default', steps('step headers'), request);
      assert.equal(answer.headers.get('cf-aig-step'), '1');
      statuses.push(answer.headers.get('cf-aig-cache-status'));
    }
    assert.deepEqual(statuses, ['MISS', 'MISS'], 'the fallback, which does not cache, was never kept');
    const log = (await gateway.logs()).at(-1)!;
    assert.deepEqual(
      [log.eventId, log.metadata, log.cost, log.customCost],
      ['fallback-event', { step: 'fallback' }, 7, true],
    );
  });
});
