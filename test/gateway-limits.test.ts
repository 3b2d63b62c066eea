import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryRateLimiter } from '../src/gateway/memory-rate-limiter.ts';
import { costOf } from '../src/gateway/cost.ts';
import { OptionValues, toCustomCost } from '../src/gateway/request-options.ts';
import { scriptedModel } from './support/scripted-provider.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';

const MINUTE = 60_000;

describe('rate-limit windows', () => {
  // Cloudflare's example: 10 at 12:09 and 10 at 12:11 under 10 per 2 minutes.
  const rule = (technique: 'fixed' | 'sliding') => ({ limit: 10, periodMs: 2 * MINUTE, technique });
  const at = (minute: number) => Date.UTC(2026, 10, 28, 12, 0) + minute * MINUTE;
  const burst = async (limiter: MemoryRateLimiter, technique: 'fixed' | 'sliding', minute: number) => {
    const decisions = [];
    for (let i = 0; i < 10; i++)
      decisions.push(await limiter.consume('gateway:g', rule(technique), at(minute)));
    return decisions;
  };

  test('fixed windows are aligned: both bursts pass', async () => {
    const limiter = new MemoryRateLimiter();
    assert.ok((await burst(limiter, 'fixed', 9.5)).every((d) => d.allowed));
    assert.ok((await burst(limiter, 'fixed', 11)).every((d) => d.allowed));
    const over = await limiter.consume('gateway:g', rule('fixed'), at(11));
    assert.equal(over.allowed, false);
    assert.equal(over.retryAfterMs, at(12) - at(11), 'until the next aligned window');
  });

  test('sliding windows count the trailing period: the second burst fails until the first ages out', async () => {
    const limiter = new MemoryRateLimiter();
    assert.ok((await burst(limiter, 'sliding', 9.5)).every((d) => d.allowed));
    const second = await limiter.consume('gateway:g', rule('sliding'), at(11));
    assert.equal(second.allowed, false);
    assert.equal(second.retryAfterMs, MINUTE / 2, 'until the oldest request leaves the window');
    assert.equal((await limiter.consume('gateway:g', rule('sliding'), at(11.5))).allowed, true);
  });

  test('a refused request does not count, and keys have their own counters', async () => {
    const limiter = new MemoryRateLimiter();
    const one = { limit: 1, periodMs: MINUTE, technique: 'sliding' as const };
    assert.equal((await limiter.consume('key:a', one, 0)).allowed, true);
    for (let i = 0; i < 5; i++) assert.equal((await limiter.consume('key:a', one, 1000)).allowed, false);
    assert.equal((await limiter.consume('key:a', one, MINUTE)).allowed, true);
    assert.equal((await limiter.consume('key:b', one, 1000)).allowed, true);
  });
});

describe('cost', () => {
  const model = {
    ...scriptedModel('m', 'p'),
    pricing: { input: 2, cachedInput: 0.5, cacheWrite: 2.5, output: 8 },
  };
  const usage = {
    input_tokens: 1_000_000,
    input_tokens_details: { cached_tokens: 200_000, cache_write_tokens: 100_000 },
    output_tokens: 500_000,
    output_tokens_details: { reasoning_tokens: 100_000 },
    total_tokens: 1_500_000,
  };

  test('every token class is priced: fresh input, cached input, cache writes and output', () => {
    assert.equal(costOf(usage, model, undefined, false), 0.7 * 2 + 0.2 * 0.5 + 0.1 * 2.5 + 0.5 * 8);
  });

  test('a custom cost replaces the price; a cache hit costs nothing', () => {
    assert.equal(costOf(usage, model, { totalCost: 0.25 }, false), 0.25);
    assert.equal(costOf(usage, model, { perTokenIn: 1e-6, perTokenOut: 2e-6 }, false), 1 + 1);
    // One side given: the other keeps the catalog's price.
    assert.equal(costOf(usage, model, { perTokenIn: 1e-6 }, false), 1 + 0.5 * 8);
    assert.equal(costOf(usage, model, { perTokenOut: 2e-6 }, false), 0.7 * 2 + 0.2 * 0.5 + 0.1 * 2.5 + 1);
    assert.equal(costOf(usage, model, undefined, true), 0);
    const header = (value: string) => toCustomCost(OptionValues.customCost.parse(JSON.parse(value)));
    assert.deepEqual(header('{"per_token_in": 0.000001}'), { perTokenIn: 1e-6 });
    assert.throws(() => header('{}'));
  });
});

describe('limits through the gateway', () => {
  let gateway: GatewayUnderTest;
  let admin: string;
  const priced = { ...scriptedModel('test/priced', 'scripted'), pricing: { input: 1_000, output: 1_000 } };

  before(async () => {
    gateway = await startGateway({
      config: {
        gateways: {
          default: {},
          tight: { authentication: false, rate_limit: { limit: 2, period: 60, technique: 'sliding' } },
          capped: { authentication: false, spend_limit: { limit_usd: 0.001, period: 3600 } },
          unlogged: {
            authentication: false,
            collect_logs: false,
            spend_limit: { limit_usd: 0.001, period: 3600 },
          },
        },
      },
      models: [scriptedModel('test/echo', 'scripted'), priced],
      providers: new Map([['scripted', echoProvider()]]),
    });
    const created = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    admin = created.json.key as string;
  });
  after(() => gateway.stop());

  test('over a gateway rate limit: a 429 in the OpenAI shape with retry-after', async () => {
    const headers = { 'cf-aig-gateway-id': 'tight' };
    for (let i = 0; i < 2; i++) {
      const ok = await gateway.request(
        'POST',
        '/v1/responses',
        { model: 'test/echo', input: `r${i}` },
        headers,
      );
      assert.equal(ok.status, 200);
    }
    const refused = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'r3' },
      headers,
    );
    assert.equal(refused.status, 429);
    assert.equal((refused.json.error as { code: string }).code, 'rate_limit_exceeded');
    assert.match(
      (refused.json.error as { message: string }).message,
      /gateway 'tight'.*2 requests per 60 s \(sliding window\)/,
    );
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const logged = (await gateway.logs()).filter((l) => l.gateway === 'tight');
    assert.deepEqual(
      logged.map((l) => l.statusCode),
      [200, 200, 429],
      'a refused request is logged too',
    );
    assert.equal(refused.headers.get('cf-aig-log-id'), logged.at(-1)!.id, 'and its answer names its entry');
    assert.equal(refused.headers.get('cf-aig-request-id'), logged.at(-1)!.id);
  });

  test("over a key's rate limit: refused for that key only", async () => {
    const created = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'slow', rate_limit: { limit: 1, period: 60 } },
      { authorization: `Bearer ${admin}` },
    );
    const slow = gateway.client(created.json.key as string);
    await slow.responses.create({ model: 'test/echo', input: 'one' });
    await assert.rejects(
      slow.responses.create({ model: 'test/echo', input: 'two' }),
      (error: { status: number; message: string }) => {
        assert.equal(error.status, 429);
        assert.match(error.message, /this key/);
        return true;
      },
    );
    const other = await gateway.client(admin).responses.create({ model: 'test/echo', input: 'two' });
    assert.equal(other.status, 'completed');
  });

  test("token counts are requests too: a key's rate limit counts them and each is logged", async () => {
    const created = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'counter', rate_limit: { limit: 2, period: 60 } },
      { authorization: `Bearer ${admin}` },
    );
    const counter = { authorization: `Bearer ${created.json.key as string}` };
    const counted = await gateway.request(
      'POST',
      '/v1/responses/input_tokens',
      { model: 'test/echo', input: 'How many?' },
      counter,
    );
    assert.equal(counted.status, 200);
    assert.ok((counted.json.input_tokens as number) > 0);
    const entry = (await gateway.logs()).find((l) => l.id === counted.headers.get('cf-aig-log-id'))!;
    assert.equal(entry.path, 'POST /v1/responses/input_tokens');
    assert.deepEqual([entry.model, entry.statusCode, entry.tokensIn, entry.cost], ['test/echo', 200, 0, 0]);
    const anthropic = { model: 'test/echo', messages: [{ role: 'user', content: 'How many?' }] };
    const second = await gateway.request('POST', '/v1/messages/count_tokens', anthropic, counter);
    assert.equal(second.status, 200);
    const refused = await gateway.request('POST', '/v1/messages/count_tokens', anthropic, counter);
    assert.equal(refused.status, 429);
    assert.equal((refused.json.error as { type: string }).type, 'rate_limit_error', "in Anthropic's shape");
    const third = await gateway.request(
      'POST',
      '/v1/responses/input_tokens',
      { model: 'test/echo', input: 'x' },
      counter,
    );
    assert.equal((third.json.error as { code: string }).code, 'rate_limit_exceeded');
  });

  test("a key's budget and a gateway's spend limit refuse once spent, naming the budget", async () => {
    const created = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'frugal', budget: { limit_usd: 0.0001, period: 86400 } },
      { authorization: `Bearer ${admin}` },
    );
    const frugal = gateway.client(created.json.key as string);
    // A key may not set its own price: a free custom cost would lift its budget.
    const free = { 'cf-aig-custom-cost': '{"total_cost": 0}' };
    const priced = { model: 'test/priced', input: 'x' };
    const ownPrice = await gateway.request('POST', '/v1/responses', priced, {
      authorization: `Bearer ${created.json.key as string}`,
      ...free,
    });
    assert.deepEqual(
      [ownPrice.status, (ownPrice.json.error as { param: string }).param],
      [403, 'cf-aig-custom-cost'],
    );
    const byAdmin = { authorization: `Bearer ${admin}`, ...free };
    assert.equal((await gateway.request('POST', '/v1/responses', priced, byAdmin)).status, 200);
    const endless = { authorization: `Bearer ${admin}`, 'cf-aig-custom-cost': '{"per_token_in": 1e308}' };
    const infinite = await gateway.request('POST', '/v1/responses', priced, endless);
    assert.deepEqual(
      [infinite.status, (infinite.json.error as { param: string }).param],
      [400, 'cf-aig-custom-cost'],
    );
    await frugal.responses.create({ model: 'test/priced', input: 'an expensive question' });
    await gateway.server.runtime.gateway.flushLogs();
    await assert.rejects(
      frugal.responses.create({ model: 'test/priced', input: 'again' }),
      (error: { status: number; code: string; message: string }) => {
        assert.equal(error.status, 429);
        assert.equal(error.code, 'budget_exceeded');
        assert.match(error.message, /this key is reached: \$0\.\d{4} of \$0\.0001 per 1 day/);
        return true;
      },
    );

    const capped = { 'cf-aig-gateway-id': 'capped' };
    assert.equal(
      (await gateway.request('POST', '/v1/responses', { model: 'test/priced', input: 'x' }, capped)).status,
      200,
    );
    await gateway.server.runtime.gateway.flushLogs();
    const refused = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/priced', input: 'y' },
      capped,
    );
    assert.equal(refused.status, 429);
    // What the gateway spent is every project's: the refusal names the limit, not the amount.
    assert.match(
      (refused.json.error as { message: string }).message,
      /gateway 'capped' is reached \(\$0\.001 per 3600 s\)/,
    );
    assert.doesNotMatch((refused.json.error as { message: string }).message, /\$\d+\.\d{4}/);
  });

  test('a request that is not logged still counts against budgets and spend limits', async () => {
    const created = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'quiet', budget: { limit_usd: 0.0001, period: 86400 } },
      { authorization: `Bearer ${admin}` },
    );
    const key = created.json.key as string;
    const { logs } = gateway.server.runtime.stores;
    await gateway.server.runtime.gateway.flushLogs();
    const before = (await logs.query({}, { limit: 100, order: 'asc' })).data.length;
    // The caller turns its log off: the answer is not kept, its cost is.
    const quiet = gateway.client(key, { 'cf-aig-collect-log': 'false' });
    await quiet.responses.create({ model: 'test/priced', input: 'an expensive question' });
    await gateway.server.runtime.gateway.flushLogs();
    assert.equal((await logs.query({}, { limit: 100, order: 'asc' })).data.length, before);
    await assert.rejects(quiet.responses.create({ model: 'test/priced', input: 'again' }), {
      status: 429,
      code: 'budget_exceeded',
    });

    // A gateway that keeps no logs enforces its spend limit all the same.
    const unlogged = { 'cf-aig-gateway-id': 'unlogged' };
    const priced = { model: 'test/priced', input: 'x' };
    assert.equal((await gateway.request('POST', '/v1/responses', priced, unlogged)).status, 200);
    await gateway.server.runtime.gateway.flushLogs();
    assert.equal((await gateway.request('POST', '/v1/responses', priced, unlogged)).status, 429);
    await gateway.server.runtime.gateway.flushLogs();
    assert.equal((await logs.query({}, { limit: 100, order: 'asc' })).data.length, before);
  });
});
