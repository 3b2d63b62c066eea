import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';

const TEXT = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
const EMBEDDING = loadFixture(new URL('./fixtures/embeddings/one-input.json', import.meta.url));
const CONFIGURED = 'sk-configured-key-0000000000000000';
const STORED = 'sk-stored-default-key-1111111111111111';
const ALIASED = 'sk-stored-aliased-key-2222222222222222';
const ROTATED = 'sk-stored-rotated-key-3333333333333333';
const BARE = 'sk-bare-provider-key-4444444444444444';
const UNIVERSAL = 'sk-stored-universal-key-9999999999999999';
const SECRETS = [STORED, ALIASED, ROTATED, BARE, UNIVERSAL];

/** Every provider config on gateway `id`, through the admin API. */
const CONFIGS = (id: string) => `/v1/gateways/${id}/provider_configs`;

/** The config of a loopback upstream: `loop` has a key of its own, `bare` none (its variable is unset). */
export function byokConfig(upstreamUrl: string) {
  return {
    providers: {
      loop: { type: 'chat-completions', base_url: `${upstreamUrl}/v1`, api_key_env: 'LOOP_KEY' },
      bare: { type: 'chat-completions', base_url: `${upstreamUrl}/v1`, api_key_env: 'BARE_KEY' },
    },
    models: [
      { id: 'loop/model', provider: 'loop', context_window: 8000 },
      { id: 'bare/model', provider: 'bare', context_window: 8000 },
      {
        id: 'bare/embed',
        provider: 'bare',
        upstream_model: 'text-embedding-3-small',
        task: 'text-embeddings',
      },
    ],
    gateways: { default: {} },
  };
}

describe('provider keys stored per gateway (BYOK)', () => {
  let upstream: ReplayServer;
  let gateway: GatewayUnderTest;
  const sentKey = () => upstream.requests.at(-1)?.headers.authorization;

  before(async () => {
    upstream = await startReplayServer((request) => (request.url.endsWith('/embeddings') ? EMBEDDING : TEXT));
    gateway = await startGateway({ config: byokConfig(upstream.url), env: { LOOP_KEY: CONFIGURED } });
    assert.equal((await gateway.request('POST', '/v1/gateways', { id: 'team' })).status, 201);
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  test("without a stored key the provider's configured key is sent; a provider without one is refused", async () => {
    await gateway.client().responses.create({ model: 'loop/model', input: 'hi' });
    assert.equal(sentKey(), `Bearer ${CONFIGURED}`);
    const refused = await gateway.request('POST', '/v1/responses', { model: 'bare/model', input: 'hi' });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.json), /BARE_KEY/);
  });

  test('the default config reaches the upstream, an alias picks another, an unknown alias is a 400', async () => {
    const made = await gateway.request('POST', CONFIGS('team'), {
      provider_slug: 'loop',
      alias: 'main',
      default_config: true,
      secret: STORED,
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    assert.equal(made.json.secret_preview, 'sk-…1111');
    assert.equal(made.json.default_config, true);
    assert.ok(!JSON.stringify(made.json).includes(STORED));
    const other = await gateway.request('POST', CONFIGS('team'), {
      provider_slug: 'loop',
      alias: 'batch-2',
      secret: ALIASED,
      rate_limit: 1,
      rate_limit_period: 3600,
    });
    assert.equal(other.status, 201, JSON.stringify(other.json));

    const team = { 'cf-aig-gateway-id': 'team' };
    await gateway.client('unused', team).responses.create({ model: 'loop/model', input: 'default' });
    assert.equal(sentKey(), `Bearer ${STORED}`);
    const answer = await gateway
      .client('unused', { ...team, 'cf-aig-byok-alias': 'batch-2' })
      .responses.create({ model: 'loop/model', input: 'aliased' })
      .withResponse();
    assert.equal(sentKey(), `Bearer ${ALIASED}`);
    assert.ok(
      !(answer.response.headers.get('x-portico-warnings') ?? '').includes('byok'),
      'no longer ignored',
    );
    const log = await gateway.request('GET', `/v1/logs/${answer.response.headers.get('cf-aig-log-id')}`);
    assert.deepEqual(log.json.provider_config, { id: other.json.id, alias: 'batch-2' });

    // The aliased key allows one request an hour: the second is refused before the upstream.
    const before = upstream.requests.length;
    const limited = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'loop/model', input: 'again' },
      { ...team, 'cf-aig-byok-alias': 'batch-2', 'cf-aig-max-attempts': '1' },
    );
    assert.equal(limited.status, 429, JSON.stringify(limited.json));
    assert.equal(upstream.requests.length, before);

    const unknown = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'loop/model', input: 'who?' },
      { ...team, 'cf-aig-byok-alias': 'nope' },
    );
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json.error as { param: string }).param, 'cf-aig-byok-alias');

    // The default gateway stores nothing: the configured key still serves it.
    await gateway.client().responses.create({ model: 'loop/model', input: 'default gateway' });
    assert.equal(sentKey(), `Bearer ${CONFIGURED}`);
  });

  test('a PATCHed secret is used by the next request; a new default replaces the old one', async () => {
    const list = await gateway.request('GET', CONFIGS('team'));
    const main = (list.json.data as Array<{ id: string; alias: string }>).find((c) => c.alias === 'main')!;
    const patched = await gateway.request('PATCH', `${CONFIGS('team')}/${main.id}`, { secret: ROTATED });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.equal(patched.json.secret_preview, 'sk-…3333');
    await gateway
      .client('unused', { 'cf-aig-gateway-id': 'team' })
      .responses.create({ model: 'loop/model', input: 'x' });
    assert.equal(sentKey(), `Bearer ${ROTATED}`);

    const other = (list.json.data as Array<{ id: string; alias: string }>).find(
      (c) => c.alias === 'batch-2',
    )!;
    await gateway.request('PATCH', `${CONFIGS('team')}/${other.id}`, { default_config: true });
    const after = (await gateway.request('GET', CONFIGS('team'))).json.data as Array<Record<string, unknown>>;
    assert.deepEqual(
      after.map((c) => [c.alias, c.default_config]),
      [
        ['main', false],
        ['batch-2', true],
      ],
    );
    await gateway.request('PATCH', `${CONFIGS('team')}/${main.id}`, { default_config: true });
  });

  test('a provider without a key of its own serves on a gateway that stores one, embeddings too', async () => {
    const made = await gateway.request('POST', CONFIGS('team'), {
      provider_slug: 'bare',
      alias: 'bare',
      default_config: true,
      secret: BARE,
    });
    assert.equal(made.status, 201);
    await gateway
      .client('unused', { 'cf-aig-gateway-id': 'team' })
      .responses.create({ model: 'bare/model', input: 'x' });
    assert.equal(sentKey(), `Bearer ${BARE}`);
    const run = await gateway.request('POST', '/v1/acc/team/run', {
      model: 'bare/model',
      input: { prompt: 'hi' },
    });
    assert.equal(run.status, 200, JSON.stringify(run.json));
    assert.equal(run.json.usedBYOKKey, true);
    const configured = await gateway.request('POST', '/v1/acc/default/run', {
      model: 'loop/model',
      input: { prompt: 'hi' },
    });
    assert.equal(configured.json.usedBYOKKey, false, "the provider's configured key is not a stored one");
    const embedded = await gateway
      .client('unused', { 'cf-aig-gateway-id': 'team' })
      .embeddings.create({ model: 'bare/embed', input: 'one' });
    assert.equal(embedded.data.length, 1);
    assert.equal(sentKey(), `Bearer ${BARE}`);
    const refused = await gateway.request('POST', '/v1/embeddings', { model: 'bare/embed', input: 'one' });
    assert.equal(refused.status, 400, 'the default gateway stores no key for it');
  });

  test("a universal step's own cf-aig-byok-alias picks the key for its model", async () => {
    const uni = UNIVERSAL;
    const made = await gateway.request('POST', CONFIGS('team'), {
      provider_slug: 'loop',
      alias: 'uni',
      secret: uni,
    });
    assert.equal(made.status, 201);
    const step = (alias: string) => ({
      provider: 'loop',
      endpoint: 'chat/completions',
      headers: { 'cf-aig-byok-alias': alias },
      query: { model: 'model', messages: [{ role: 'user', content: 'hi' }] },
    });
    const answer = await gateway.request('POST', '/v1/acc/team', [step('uni')]);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(sentKey(), `Bearer ${uni}`);
    const unknown = await gateway.request('POST', '/v1/acc/team', [step('nope')]);
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json.error as { param: string }).param, 'cf-aig-byok-alias');
  });

  test('bad input is a 400 naming the field; unknown gateway or config a 404', async () => {
    const cases: Array<[unknown, string]> = [
      [{ provider_slug: 'nowhere', alias: 'a', secret: 'k' }, 'provider_slug'],
      [{ provider_slug: 'loop', alias: 'bad alias', secret: 'k' }, 'alias'],
      [{ provider_slug: 'loop', alias: 'a'.repeat(65), secret: 'k' }, 'alias'],
      [{ provider_slug: 'loop', alias: 'a', secret: 'x'.repeat(5000) }, 'secret'],
      [{ provider_slug: 'loop', alias: 'a', secret: 'has space' }, 'secret'],
      [{ provider_slug: 'loop', alias: 'a' }, 'secret'],
      [{ provider_slug: 'loop', alias: 'a', secret: 'k', rate_limit: 5 }, 'rate_limit_period'],
    ];
    for (const [body, param] of cases) {
      const answer = await gateway.request('POST', CONFIGS('team'), body);
      assert.equal(answer.status, 400, JSON.stringify(answer.json));
      assert.equal((answer.json.error as { param: string }).param, param);
    }
    const taken = await gateway.request('POST', CONFIGS('team'), {
      provider_slug: 'loop',
      alias: 'main',
      secret: 'k',
    });
    assert.equal(taken.status, 409);
    assert.equal((await gateway.request('GET', CONFIGS('nowhere'))).status, 404);
    assert.equal((await gateway.request('PATCH', `${CONFIGS('team')}/pc_nope`, { secret: 'k' })).status, 404);
  });

  test('at most 64 configs per gateway; a deleted gateway takes its keys along', async () => {
    await gateway.request('POST', '/v1/gateways', { id: 'full' });
    for (let i = 0; i < 64; i++) {
      const made = await gateway.request('POST', CONFIGS('full'), {
        provider_slug: 'loop',
        alias: `k${i}`,
        secret: 'k',
      });
      assert.equal(made.status, 201);
    }
    const over = await gateway.request('POST', CONFIGS('full'), {
      provider_slug: 'loop',
      alias: 'k64',
      secret: 'k',
    });
    assert.equal(over.status, 400);
    assert.match(JSON.stringify(over.json), /64/);
    await gateway.request('DELETE', '/v1/gateways/full');
    await gateway.request('POST', '/v1/gateways', { id: 'full' });
    const again = await gateway.request('GET', CONFIGS('full'));
    assert.deepEqual(again.json.data, [], "a deleted gateway's keys went with it");
  });

  test("Cloudflare's SDK creates and lists provider configs", async () => {
    const cf = new Cloudflare({ apiToken: 'unused', baseURL: `${gateway.url}/client/v4`, maxRetries: 0 });
    await gateway.request('POST', '/v1/gateways', { id: 'cf' });
    const created = await cf.aiGateway.providerConfigs.create('cf', {
      account_id: 'acc',
      alias: 'prod',
      default_config: true,
      provider_slug: 'loop',
      secret: ALIASED,
      rate_limit: 100,
      rate_limit_period: 60,
    });
    assert.equal(created.gateway_id, 'cf');
    assert.equal(created.provider_slug, 'loop');
    assert.equal(created.secret_preview, 'sk-…2222');
    assert.equal(created.rate_limit, 100);
    assert.ok(!Number.isNaN(Date.parse(created.modified_at)));
    const listed = [];
    for await (const config of cf.aiGateway.providerConfigs.list('cf', { account_id: 'acc' }))
      listed.push(config);
    assert.deepEqual(listed, [created]);
    assert.ok(!JSON.stringify(listed).includes(ALIASED));
    await gateway
      .client('unused', { 'cf-aig-gateway-id': 'cf' })
      .responses.create({ model: 'loop/model', input: 'x' });
    assert.equal(sentKey(), `Bearer ${ALIASED}`);
    await assert.rejects(
      cf.aiGateway.providerConfigs.create('cf', {
        account_id: 'acc',
        alias: 'ref',
        default_config: false,
        provider_slug: 'loop',
        secret_id: 'store-secret',
      }),
      (error: InstanceType<typeof Cloudflare.APIError>) => error.status === 400,
    );
  });

  test('project keys get a 403 on the config APIs', async () => {
    const admin = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    const bearer = { authorization: `Bearer ${admin.json.key as string}` };
    const project = await gateway.request('POST', '/v1/keys', { name: 'p', project: 'p' }, bearer);
    const headers = { authorization: `Bearer ${project.json.key as string}` };
    assert.equal((await gateway.request('GET', CONFIGS('team'), undefined, headers)).status, 403);
    const body = { provider_slug: 'loop', alias: 'x', secret: 'k' };
    assert.equal((await gateway.request('POST', CONFIGS('team'), body, headers)).status, 403);
    const cf = await gateway.request(
      'GET',
      '/client/v4/accounts/acc/ai-gateway/gateways/team/provider_configs',
      undefined,
      headers,
    );
    assert.equal(cf.status, 403);
    assert.equal((await gateway.request('GET', CONFIGS('team'), undefined, bearer)).status, 200);
  });

  test('no secret in any answer, log or database byte; the key file is private', async () => {
    const logs = await gateway.request('GET', '/v1/logs?limit=100');
    const everything = JSON.stringify([logs.json, await gateway.logs()]);
    for (const secret of SECRETS) assert.ok(!everything.includes(secret), 'not in the logs');
    await gateway.server.runtime.gateway.flushLogs();
    for (const file of readdirSync(gateway.dataDir)) {
      const bytes = readFileSync(join(gateway.dataDir, file));
      for (const secret of SECRETS) assert.ok(!bytes.includes(secret), `not in ${file}`);
    }
    assert.equal(statSync(join(gateway.dataDir, 'secrets.key')).mode & 0o777, 0o600);
  });
});
