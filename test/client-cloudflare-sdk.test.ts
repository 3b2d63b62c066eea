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

  test("aiGateway.create, list, get, update and delete manage Portico's gateways in Cloudflare's fields", async () => {
    const made = await cf.aiGateway.create({
      account_id,
      id: 'made-by-sdk',
      cache_invalidate_on_update: true,
      cache_ttl: 300,
      collect_logs: true,
      rate_limiting_interval: 60,
      rate_limiting_limit: 2,
      rate_limiting_technique: 'sliding',
      authentication: false,
      retry_max_attempts: 3,
    });
    assert.deepEqual(
      [
        made.id,
        made.cache_ttl,
        made.rate_limiting_limit,
        made.rate_limiting_interval,
        made.retry_max_attempts,
      ],
      ['made-by-sdk', 300, 2, 60, 3],
    );
    // The same gateway as Portico's own admin API sees it, and it runs requests at once.
    const settings = await gateway.server.runtime.gateway.gateways.get('made-by-sdk');
    assert.deepEqual(settings?.rateLimit, { limit: 2, periodMs: 60_000, technique: 'sliding' });
    const client = gateway.client('unused', { 'cf-aig-gateway-id': 'made-by-sdk' });
    const first = await client.responses.create({ model: 'test/echo', input: 'cache me' }).withResponse();
    const again = await client.responses.create({ model: 'test/echo', input: 'cache me' }).withResponse();
    assert.equal(again.response.headers.get('cf-aig-cache-status'), 'HIT');
    assert.equal(first.response.headers.get('cf-aig-cache-status'), 'MISS');

    const ids: string[] = [];
    for await (const listed of cf.aiGateway.list({ account_id, per_page: 1 })) ids.push(listed.id);
    assert.deepEqual(ids.sort(), ['default', 'made-by-sdk', 'other']);
    const found = await cf.aiGateway.list({ account_id, search: 'made' });
    assert.deepEqual(
      found.result.map((listed) => listed.id),
      ['made-by-sdk'],
    );

    // An update with cache_invalidate_on_update leaves the answers cached before it unread.
    const updated = await cf.aiGateway.update('made-by-sdk', {
      account_id,
      cache_invalidate_on_update: true,
      cache_ttl: 300,
      collect_logs: false,
      rate_limiting_interval: null,
      rate_limiting_limit: null,
    });
    assert.deepEqual(
      [updated.collect_logs, updated.rate_limiting_limit, updated.retry_max_attempts],
      [false, null, 3],
    );
    const fresh = await client.responses.create({ model: 'test/echo', input: 'cache me' }).withResponse();
    assert.equal(fresh.response.headers.get('cf-aig-cache-status'), 'MISS');
    assert.equal((await cf.aiGateway.get('made-by-sdk', { account_id })).collect_logs, false);

    const deleted = await cf.aiGateway.delete('made-by-sdk', { account_id });
    assert.equal(deleted.id, 'made-by-sdk');
    await assert.rejects(cf.aiGateway.get('made-by-sdk', { account_id }), { status: 404 });
  });

  test("Cloudflare's gateway settings Portico lacks are a 400 naming them unless off; config gateways are read-only", async () => {
    const base = {
      account_id,
      id: 'refused',
      cache_invalidate_on_update: false,
      cache_ttl: 0,
      collect_logs: true,
      rate_limiting_interval: null,
      rate_limiting_limit: null,
    };
    for (const [field, value] of [
      ['logpush', true],
      ['log_classification', true],
      ['zdr', true],
    ] as const)
      await assert.rejects(
        cf.aiGateway.create({ ...base, [field]: value }),
        (error: InstanceType<typeof Cloudflare.APIError>) => {
          assert.equal(error.status, 400);
          assert.match(JSON.stringify(error.errors), new RegExp(field));
          return true;
        },
      );
    await assert.rejects(cf.aiGateway.create({ ...base, rate_limiting_limit: 5 }), { status: 400 });
    await assert.rejects(cf.aiGateway.create({ ...base, cache_ttl: 30 }), { status: 400 });
    const off = await cf.aiGateway.create({ ...base, logpush: false, zdr: false, log_management: null });
    assert.equal(off.logpush, false);

    // DLP and Guardrails in Cloudflare's forms are Portico's own settings, checked as such.
    const policy = {
      id: 'cards',
      action: 'BLOCK',
      check: ['REQUEST'],
      enabled: true,
      profiles: ['credit_card'],
    };
    const guarded = await cf.aiGateway.create({
      ...base,
      id: 'guarded',
      dlp: { enabled: true, policies: [policy] },
      guardrails: { prompt: { S1: 'BLOCK' }, response: {} },
    } as never);
    assert.deepEqual(guarded.dlp, { enabled: true, policies: [policy], custom_profiles: [] });
    assert.deepEqual(guarded.guardrails, { prompt: { S1: 'BLOCK' }, response: {} });
    assert.equal((await gateway.server.runtime.gateway.gateways.get('guarded'))?.guardrails?.enabled, true);
    // Spend limit rules in Cloudflare's form are Portico's own `spend_limits`.
    const perUser = {
      id: 'per-user',
      limit: 5,
      limitType: 'cost' as const,
      window: 86_400,
      technique: 'sliding' as const,
      metadata: { user: { mode: 'partition' as const } },
    };
    const budgeted = await cf.aiGateway.create({
      ...base,
      id: 'budgeted',
      spend_limits: { rules: [perUser] },
    });
    assert.deepEqual(budgeted.spend_limits, { enabled: true, rules: [{ ...perUser, enabled: true }] });
    assert.equal(
      (await cf.aiGateway.get('budgeted', { account_id })).spend_limits?.rules?.[0]?.id,
      'per-user',
    );
    const unknownProfile = { enabled: true, policies: [{ ...policy, profiles: ['nowhere'] }] };
    await assert.rejects(
      cf.aiGateway.create({ ...base, id: 'unguarded', dlp: unknownProfile } as never),
      (error: InstanceType<typeof Cloudflare.APIError>) => {
        assert.equal(error.status, 400);
        assert.match(JSON.stringify(error.errors), /dlp\.policies\[0\]\.profiles\[0\]/);
        return true;
      },
    );
    await assert.rejects(cf.aiGateway.update('other', { ...base, id: undefined } as never), { status: 409 });
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

  // Last: once a key exists, the loopback user is no longer an admin.
  test("a project's key reads its gateway's logs there; the gateway API under the same path is for admin keys", async () => {
    const admin = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    const made = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'project', project: 'default' },
      { authorization: `Bearer ${admin.json.key as string}` },
    );
    const project = new Cloudflare({
      apiToken: made.json.key as string,
      baseURL: `${gateway.url}/client/v4`,
      maxRetries: 0,
    });
    assert.ok((await project.aiGateway.logs.list('default', { account_id })).result.length > 0);
    await assert.rejects(project.aiGateway.list({ account_id }), { status: 403 });
    await assert.rejects(project.aiGateway.get('default', { account_id }), { status: 403 });
  });
});
