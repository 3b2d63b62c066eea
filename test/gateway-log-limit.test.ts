import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { scriptedModel } from './support/scripted-provider.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';

const account_id = '0123456789abcdef0123456789abcdef';

/** A gateway's cap on its logs (`log_limit`, Cloudflare's `log_management`) through the real server. */
describe('a gateway log cap', () => {
  let gateway: GatewayUnderTest;
  let cf: Cloudflare;

  before(async () => {
    gateway = await startGateway({
      models: [{ ...scriptedModel('test/priced', 'scripted'), pricing: { input: 1_000, output: 1_000 } }],
      providers: new Map([['scripted', echoProvider()]]),
    });
    // No key exists: the local user is the admin.
    cf = new Cloudflare({ apiToken: 'unused', baseURL: `${gateway.url}/client/v4`, maxRetries: 0 });
  });
  after(() => gateway.stop());

  /** Sends `n` requests one after another (each in a millisecond of its own), then reads what was kept. */
  const send = async (id: string, n: number) => {
    const client = gateway.client('unused', { 'cf-aig-gateway-id': id });
    const sent: string[] = [];
    for (let i = 0; i < n; i++) {
      sent.push((await client.responses.create({ model: 'test/priced', input: `r${i}` })).id);
      await sleep(2);
    }
    const kept = (await gateway.logs()).filter((log) => log.gateway === id);
    const spent = await gateway.server.runtime.stores.logs.spend({ gateway: id }, 0);
    return {
      inputs: kept.map((log) => `r${sent.indexOf(log.responseId as string)}`),
      spent,
      costOfKept: kept.reduce((sum, log) => sum + (log.cost as number), 0),
    };
  };

  test('stop_inserting keeps the first logs up to the cap; the requests past it still spend', async () => {
    const made = await gateway.request('POST', '/v1/gateways', {
      id: 'stopper',
      authentication: false,
      log_limit: { max_logs: 3 },
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    assert.deepEqual(made.json.log_limit, { max_logs: 3, strategy: 'stop_inserting' });
    const { inputs, spent, costOfKept } = await send('stopper', 5);
    assert.deepEqual(inputs, ['r0', 'r1', 'r2']);
    assert.ok(costOfKept > 0);
    // The five requests cost the same (same tokens): five of them are counted, not three.
    assert.equal(spent.toFixed(12), ((costOfKept / 3) * 5).toFixed(12));
  });

  test('delete_oldest keeps the newest logs; an update keeps the cap unless it names it', async () => {
    const made = await gateway.request('POST', '/v1/gateways', {
      id: 'rolling',
      authentication: false,
      log_limit: { max_logs: 3, strategy: 'delete_oldest' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const { inputs, spent, costOfKept } = await send('rolling', 5);
    assert.deepEqual(inputs, ['r2', 'r3', 'r4']);
    assert.equal(spent.toFixed(12), ((costOfKept / 3) * 5).toFixed(12));
    const kept = await gateway.request('PATCH', '/v1/gateways/rolling', { cache_ttl: 0 });
    assert.deepEqual(kept.json.log_limit, { max_logs: 3, strategy: 'delete_oldest' });
    const lowered = await gateway.request('PATCH', '/v1/gateways/rolling', { log_limit: { max_logs: 1 } });
    assert.deepEqual(lowered.json.log_limit, { max_logs: 1, strategy: 'delete_oldest' }, 'strategy kept');
    // Trimmed at once, in the background: the newest log is what is left.
    const held = async () => (await gateway.logs()).filter((entry) => entry.gateway === 'rolling').length;
    for (let polls = 0; polls < 500 && (await held()) > 1; polls++) await sleep(10);
    assert.equal(await held(), 1);
    assert.equal(await gateway.server.runtime.stores.logs.trim('rolling', 1), 0);
    const cleared = await gateway.request('PATCH', '/v1/gateways/rolling', { log_limit: null });
    assert.equal(cleared.json.log_limit, null);
  });

  test('bad caps are a 400 naming the field', async () => {
    for (const [log_limit, param] of [
      [{ max_logs: 0 }, 'log_limit.max_logs'],
      [{ max_logs: 10_000_001 }, 'log_limit.max_logs'],
      [{ max_logs: 1.5 }, 'log_limit.max_logs'],
      [{ max_logs: 10, strategy: 'DELETE_OLDEST' }, 'log_limit.strategy'],
      [{ strategy: 'delete_oldest' }, 'log_limit.max_logs'],
      [10, 'log_limit'],
    ] as const) {
      const refused = await gateway.request('POST', '/v1/gateways', { id: 'bad', log_limit });
      assert.equal(refused.status, 400, JSON.stringify(log_limit));
      assert.equal((refused.json.error as { param: string }).param, param);
    }
  });

  test("Cloudflare's SDK sets log_management and its strategy, and reads them back", async () => {
    const base = {
      account_id,
      cache_invalidate_on_update: false,
      cache_ttl: 0,
      collect_logs: true,
      rate_limiting_interval: null,
      rate_limiting_limit: null,
    };
    const made = await cf.aiGateway.create({
      ...base,
      id: 'cf-capped',
      log_management: 10_000_000,
      log_management_strategy: 'DELETE_OLDEST',
    });
    assert.deepEqual([made.log_management, made.log_management_strategy], [10_000_000, 'DELETE_OLDEST']);
    const portico = await gateway.request('GET', '/v1/gateways/cf-capped');
    assert.deepEqual(portico.json.log_limit, { max_logs: 10_000_000, strategy: 'delete_oldest' });

    const kept = await cf.aiGateway.update('cf-capped', base);
    assert.equal(kept.log_management, 10_000_000, 'left out: kept');
    const changed = await cf.aiGateway.update('cf-capped', {
      ...base,
      log_management: 2,
      log_management_strategy: 'STOP_INSERTING',
    });
    assert.deepEqual([changed.log_management, changed.log_management_strategy], [2, 'STOP_INSERTING']);
    const defaulted = await cf.aiGateway.update('cf-capped', { ...base, log_management: 5 });
    assert.equal(defaulted.log_management_strategy, 'STOP_INSERTING', 'the strategy kept');
    const got = await cf.aiGateway.get('cf-capped', { account_id });
    assert.deepEqual([got.log_management, got.log_management_strategy], [5, 'STOP_INSERTING']);
    const off = await cf.aiGateway.update('cf-capped', { ...base, log_management: null });
    assert.deepEqual([off.log_management, off.log_management_strategy], [null, null]);

    for (const [fields, field] of [
      [{ log_management: 0 }, 'log_management'],
      [{ log_management: 10_000_001 }, 'log_management'],
      [{ log_management: 10, log_management_strategy: 'OLDEST' }, 'log_management_strategy'],
      [{ log_management_strategy: 'DELETE_OLDEST' }, 'log_management'],
    ] as const)
      await assert.rejects(
        cf.aiGateway.update('cf-capped', { ...base, ...(fields as object) }),
        (error: InstanceType<typeof Cloudflare.APIError>) => {
          assert.equal(error.status, 400);
          assert.match(JSON.stringify(error.errors), new RegExp(`'?${field}'?\\b`));
          return true;
        },
      );
  });
});
