import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { scriptedModel } from './support/scripted-provider.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';

const account_id = '0123456789abcdef0123456789abcdef';

/**
 * Cloudflare's official SDK (`cloudflare` on npm) against Portico's `/client/v4`: Workers AI's
 * run and model search, and AI Gateway's log API, paged as the SDK pages (numbered pages
 * until one comes back empty).
 */
describe("Cloudflare's SDK through Portico", () => {
  let gateway: GatewayUnderTest;
  let cf: Cloudflare;

  before(async () => {
    gateway = await startGateway({
      config: { gateways: { default: {}, other: {} } },
      models: [
        scriptedModel('test/echo', 'scripted'),
        { ...scriptedModel('test/priced', 'scripted'), pricing: { input: 1_000, output: 1_000 } },
      ],
      providers: new Map([['scripted', echoProvider()]]),
    });
    // No key exists yet: the local user is the admin, whatever token the SDK sends.
    cf = new Cloudflare({ apiToken: 'unused', baseURL: `${gateway.url}/client/v4`, maxRetries: 0 });
    for (let i = 0; i < 4; i++)
      await gateway.client().responses.create({ model: i % 2 ? 'test/priced' : 'test/echo', input: `n${i}` });
    await gateway.client('unused', { 'cf-aig-gateway-id': 'other' }).responses.create({
      model: 'test/echo',
      input: 'elsewhere',
    });
  });
  after(() => gateway.stop());

  test("ai.run and ai.models.list answer in Workers AI's shapes", async () => {
    const answer = (await cf.ai.run('test/echo', { account_id, prompt: 'Hello' })) as { response?: string };
    assert.equal(answer.response, 'Hello from the scripted model.');
    const models: string[] = [];
    for await (const model of cf.ai.models.list({ account_id, per_page: 1 }))
      models.push((model as { name: string }).name);
    const catalog = gateway.server.runtime.catalog.list().map((model) => model.id);
    assert.deepEqual(models.sort(), catalog.sort(), 'one a page, every model once');
  });

  test("aiGateway.logs.list pages through one gateway's entries, newest first, and stops", async () => {
    const stored = (await gateway.logs()).filter((log) => log.gateway === 'default');
    const seen: string[] = [];
    for await (const log of cf.aiGateway.logs.list('default', { account_id, per_page: 2 })) seen.push(log.id);
    assert.deepEqual(seen, stored.map((log) => log.id as string).reverse());

    const second = await cf.aiGateway.logs.list('default', { account_id, per_page: 3, page: 2 });
    assert.deepEqual(second.result_info, {
      page: 2,
      per_page: 3,
      count: seen.length - 3,
      total_count: seen.length,
    });
    const oldest = await cf.aiGateway.logs.list('default', {
      account_id,
      per_page: 1,
      order_by_direction: 'asc',
    });
    assert.equal(oldest.result[0]?.id, seen.at(-1));
  });

  test('the log list filters and orders as Cloudflare names them; what it cannot answer is a 400', async () => {
    const priced = await cf.aiGateway.logs.list('default', { account_id, min_cost: 0.000001 });
    assert.deepEqual(
      priced.result.map((log) => log.model),
      ['test/priced', 'test/priced'],
    );
    const byModel = (
      await cf.aiGateway.logs.list('default', { account_id, order_by: 'model', order_by_direction: 'desc' })
    ).result.map((log) => log.model);
    assert.deepEqual(byModel, [...byModel].sort().reverse());
    assert.deepEqual(new Set(byModel), new Set(['test/echo', 'test/priced']));
    await assert.rejects(
      cf.aiGateway.logs.list('default', {
        account_id,
        filters: [{ key: 'request_type', operator: 'eq', value: ['universal'] }],
      }),
      (error: Error) => {
        assert.equal((error as { status?: number }).status, 400);
        assert.match(error.message, /request type/);
        return true;
      },
    );
  });

  test('search, filters (as the SDK encodes them) and meta_info', async () => {
    const found = await cf.aiGateway.logs.list('default', { account_id, search: 'n2' });
    assert.equal(found.result.length, 1, 'the request text');
    assert.equal(found.result[0]?.model, 'test/echo');
    const filtered = await cf.aiGateway.logs.list('default', {
      account_id,
      filters: [
        { key: 'model', operator: 'eq', value: ['test/echo', 'test/priced'] },
        { key: 'cost', operator: 'gt', value: [0] },
        { key: 'created_at', operator: 'gt', value: ['2020-01-01T00:00:00Z'] },
      ],
      meta_info: true,
    });
    assert.deepEqual(
      filtered.result.map((log) => log.model),
      ['test/priced', 'test/priced'],
    );
    const info = filtered.result_info as Record<string, number>;
    assert.ok(info.min_cost! > 0 && info.min_cost! <= info.max_cost!, JSON.stringify(info));
  });

  test('aiGateway.logs.request and response: the stored bodies', async () => {
    const [newest] = (await cf.aiGateway.logs.list('default', { account_id, search: 'n3' })).result;
    const request = (await cf.aiGateway.logs.request(newest!.id, { account_id, gateway_id: 'default' })) as {
      input: string;
    };
    assert.equal(request.input, 'n3');
    const response = (await cf.aiGateway.logs.response(newest!.id, {
      account_id,
      gateway_id: 'default',
    })) as {
      output_text?: string;
      object: string;
    };
    assert.equal(response.object, 'response');
  });

  test("aiGateway.logs.get and edit: Cloudflare's fields, feedback recorded", async () => {
    const [newest] = (await cf.aiGateway.logs.list('default', { account_id, per_page: 1 })).result;
    assert.ok(newest);
    const log = await cf.aiGateway.logs.get(newest.id, { account_id, gateway_id: 'default' });
    assert.equal(log.id, newest.id);
    assert.ok(Math.abs(Date.parse(log.created_at) - Date.now()) < 60_000, log.created_at);
    assert.equal(typeof log.metadata, 'string');
    assert.equal(log.success, true);
    assert.equal(log.response_content_type, 'application/json');
    await cf.aiGateway.logs.edit(newest.id, { account_id, gateway_id: 'default', feedback: 1 });
    assert.equal((await gateway.server.runtime.stores.logs.get(newest.id))?.feedback, 1);
    await assert.rejects(cf.aiGateway.logs.get(newest.id, { account_id, gateway_id: 'other' }), {
      status: 404,
    });
  });

  test('aiGateway.logs.delete removes what its filters find, in one gateway only', async () => {
    const deleted = await cf.aiGateway.logs.delete('other', {
      account_id,
      filters: [{ key: 'model', operator: 'eq', value: ['test/echo'] }],
      limit: 5,
    });
    assert.equal(deleted.success, true);
    assert.equal((await cf.aiGateway.logs.list('other', { account_id })).result.length, 0);
    const kept = await cf.aiGateway.logs.list('default', { account_id });
    assert.ok(kept.result.length >= 4, 'the default gateway keeps its own');
  });
});
