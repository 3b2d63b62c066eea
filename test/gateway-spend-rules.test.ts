import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spendWindow } from '../src/gateway/spend-rules.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { scriptedModel } from './support/scripted-provider.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('spend rule windows', () => {
  const now = Date.UTC(2026, 11, 1, 14, 30);
  test('fixed: from the last multiple of the window since the epoch, until its end', () => {
    assert.deepEqual(spendWindow(now, DAY, 'fixed'), {
      since: Date.UTC(2026, 11, 1),
      retryAfterMs: 9.5 * HOUR,
    });
  });
  test('sliding: the trailing window, free again as the oldest hour leaves it', () => {
    assert.deepEqual(spendWindow(now, DAY, 'sliding'), { since: now - DAY, retryAfterMs: HOUR / 2 });
  });
});

/** Every request to `smart/large` costs ~$0.004 (4 tokens at $1,000 per million); `cheap/small` is free. */
const models = [
  { ...scriptedModel('smart/large', 'smart'), pricing: { input: 1_000, output: 1_000 } },
  scriptedModel('cheap/small', 'cheap'),
];
const rule = (extra: Record<string, unknown>) => ({
  limit: 0.001,
  limitType: 'cost',
  window: 86_400,
  ...extra,
});
const smartThenCheap = {
  name: 'thrifty',
  elements: [
    { id: 'start', type: 'start', outputs: { next: { elementId: 'smart' } } },
    {
      id: 'smart',
      type: 'model',
      properties: { provider: 'smart', model: 'large' },
      outputs: { success: { elementId: 'end' }, fallback: { elementId: 'cheap' } },
    },
    {
      id: 'cheap',
      type: 'model',
      properties: { provider: 'cheap', model: 'small' },
      outputs: { success: { elementId: 'end' } },
    },
    { id: 'end', type: 'end', outputs: {} },
  ],
};

describe('spend limit rules through the gateway', () => {
  let gateway: GatewayUnderTest;
  let admin: string;

  before(async () => {
    gateway = await startGateway({
      config: {
        gateways: {
          default: {},
          per_user: {
            authentication: false,
            spend_limits: { rules: [rule({ id: 'daily-user', metadata: { user: { mode: 'partition' } } })] },
          },
          smart_capped: {
            authentication: false,
            routes: [smartThenCheap],
            spend_limits: {
              rules: [
                rule({ model: { mode: 'filter', values: ['smart/large'] } }),
                // Filters that leave every request out never refuse one.
                rule({ limit: 1e-9, provider: { mode: 'filter', values: ['elsewhere'] } }),
                rule({ limit: 1e-9, metadata: { team: { mode: 'filter', values: ['ops'] } } }),
                rule({ limit: 1e-9, enabled: false }),
              ],
            },
          },
          switched_off: {
            authentication: false,
            spend_limits: { enabled: false, rules: [rule({ limit: 1e-9 })] },
          },
        },
      },
      models,
      providers: new Map([
        ['smart', echoProvider('smart answered')],
        ['cheap', echoProvider('cheap answered')],
      ]),
    });
    const created = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    admin = created.json.key as string;
  });
  after(() => gateway.stop());

  const ask = async (gatewayId: string, model: string, metadata?: Record<string, string>) => {
    const answer = await gateway.request(
      'POST',
      '/v1/responses',
      { model, input: 'hi' },
      {
        'cf-aig-gateway-id': gatewayId,
        ...(metadata ? { 'cf-aig-metadata': JSON.stringify(metadata) } : {}),
      },
    );
    await gateway.server.runtime.gateway.flushLogs();
    return answer;
  };

  test('split by a metadata value: each user has a budget of their own', async () => {
    assert.equal((await ask('per_user', 'smart/large', { user: 'ada' })).status, 200);
    const refused = await ask('per_user', 'smart/large', { user: 'ada' });
    assert.equal(refused.status, 429);
    const error = refused.json.error as { code: string; type: string; message: string };
    assert.deepEqual([error.code, error.type], ['budget_exceeded', 'rate_limit_error']);
    assert.match(
      error.message,
      /spend limit 'daily-user' of the gateway 'per_user' \(\$0\.001 per 1 day, fixed\)/,
    );
    // A fixed day ends at midnight UTC: the refusal says when.
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 86_400, `retry-after ${retryAfter}`);
    assert.equal((await ask('per_user', 'smart/large', { user: 'grace' })).status, 200, 'another user');
    // Requests without the key share one bucket: leaving it out is no way around the budget.
    assert.equal((await ask('per_user', 'smart/large')).status, 200);
    assert.equal((await ask('per_user', 'smart/large')).status, 429);
    assert.equal((await ask('per_user', 'smart/large', { user: 'grace', team: 'x' })).status, 429);
  });

  test("a background response counts in its sender's bucket, with the metadata it was sent with", async () => {
    const metadata = {
      'cf-aig-gateway-id': 'per_user',
      'cf-aig-metadata': JSON.stringify({ user: 'linus' }),
    };
    const queued = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'smart/large', input: 'hi', background: true },
      metadata,
    );
    assert.equal(queued.status, 200, JSON.stringify(queued.json));
    let status = queued.json.status;
    while (status === 'queued' || status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const polled = await gateway.request(
        'GET',
        `/v1/responses/${queued.json.id as string}`,
        undefined,
        metadata,
      );
      status = polled.json.status;
    }
    assert.equal(status, 'completed');
    await gateway.server.runtime.gateway.flushLogs();
    const logged = (await gateway.logs()).find((entry) => entry.path === 'background');
    assert.deepEqual(logged?.metadata, { user: 'linus' });
    assert.equal((await ask('per_user', 'smart/large', { user: 'linus' })).status, 429);
  });

  test("a model's budget spent: its route's fallback answers, a direct request is refused", async () => {
    assert.equal((await ask('smart_capped', 'smart/large')).json.output_text, 'smart answered');
    const routed = await ask('smart_capped', 'dynamic/thrifty');
    assert.equal(routed.status, 200);
    assert.equal(routed.json.output_text, 'cheap answered');
    assert.equal(routed.headers.get('cf-aig-model'), 'cheap/small');
    const direct = await ask('smart_capped', 'smart/large');
    assert.equal(direct.status, 429);
    assert.match(
      (direct.json.error as { message: string }).message,
      /spend_limits\.rules\[0\].*'smart\/large'/,
    );
    // Other models are outside the filter.
    assert.equal((await ask('smart_capped', 'cheap/small')).status, 200);
  });

  test('turned off as a whole, no rule applies', async () => {
    assert.equal((await ask('switched_off', 'smart/large')).status, 200);
    assert.equal((await ask('switched_off', 'smart/large')).status, 200);
  });

  test("set through /v1/gateways in Cloudflare's form, answered with defaults, 400s naming the field", async () => {
    const auth = { authorization: `Bearer ${admin}` };
    const made = await gateway.request(
      'POST',
      '/v1/gateways',
      { id: 'budgeted', spend_limits: { rules: [rule({ provider: { mode: 'partition' } })] } },
      auth,
    );
    assert.equal(made.status, 201, JSON.stringify(made.json));
    assert.deepEqual(made.json.spend_limits, {
      enabled: true,
      rules: [
        {
          enabled: true,
          limit: 0.001,
          limitType: 'cost',
          window: 86_400,
          technique: 'fixed',
          provider: { mode: 'partition' },
        },
      ],
    });
    const refusals: Array<[unknown, string]> = [
      [{ rules: [rule({ window: 1800 })] }, 'spend_limits.rules[0].window'],
      [{ rules: [rule({ window: 5400 })] }, 'spend_limits.rules[0].window'],
      [{ rules: [rule({ limitType: 'requests' })] }, 'spend_limits.rules[0].limitType'],
      [{ rules: [rule({ model: { mode: 'filter', values: [] } })] }, 'spend_limits.rules[0].model.values'],
      [
        { rules: [rule({ metadata: { user: { mode: 'split' } } })] },
        'spend_limits.rules[0].metadata.user.mode',
      ],
      [{ rules: Array.from({ length: 21 }, () => rule({})) }, 'spend_limits.rules'],
      [{ rules: [rule({ id: 'a' }), rule({ id: 'a' })] }, 'spend_limits.rules[1].id'],
    ];
    for (const [spendLimits, param] of refusals) {
      const refused = await gateway.request(
        'PATCH',
        '/v1/gateways/budgeted',
        { spend_limits: spendLimits },
        auth,
      );
      assert.equal(refused.status, 400, param);
      assert.equal((refused.json.error as { param: string }).param, param);
    }
    const cleared = await gateway.request('PATCH', '/v1/gateways/budgeted', { spend_limits: null }, auth);
    assert.equal(cleared.json.spend_limits, null);
  });

  test('an embedding counts against the rules of its model too', async () => {
    // The scripted provider embeds; `smart/large` already spent its budget on smart_capped.
    const refused = await gateway.request(
      'POST',
      '/v1/embeddings',
      { model: 'smart/large', input: 'hi' },
      { 'cf-aig-gateway-id': 'smart_capped' },
    );
    assert.equal(refused.status, 429);
    assert.equal((refused.json.error as { code: string }).code, 'budget_exceeded');
  });
});
