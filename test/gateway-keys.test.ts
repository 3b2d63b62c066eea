import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as httpGet } from 'node:http';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { createAI } from '../src/index.ts';
import { scriptedModel } from './support/scripted-provider.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { porticoFromSource } from './support/portico-from-source.ts';
import { openSocket } from './support/socket-client.ts';
import { spawnServe } from './support/spawn-serve.ts';

const errorOf = (json: Record<string, unknown>) =>
  json.error as { code: string; param: string | null; message: string; type: string };

describe('keys, projects and scopes', () => {
  let gateway: GatewayUnderTest;
  let admin: string;
  const keys: Record<string, { key: string; id: string }> = {};
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  before(async () => {
    gateway = await startGateway({
      config: { gateways: { default: {}, public: { authentication: false }, gw1: {} } },
      models: [scriptedModel('test/echo', 'scripted'), scriptedModel('test/other', 'scripted')],
      providers: new Map([['scripted', echoProvider()]]),
    });
  });
  after(() => gateway.stop());

  test('without any key, only the local user is answered: not a rebound name, a proxy or another site', async () => {
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        httpGet(`${gateway.url}/v1/models`, { headers }, (answer) => {
          answer.resume();
          resolve(answer.statusCode!);
        }).once('error', reject);
      });
    const { host } = new URL(gateway.url);
    assert.equal(await status({ host }), 200);
    for (const name of ['localhost', 'app.localhost', '0.0.0.0', '[::1]'])
      assert.equal(await status({ host: `${name}:${new URL(gateway.url).port}` }), 200, name);
    // A page whose name was rebound to 127.0.0.1 asks for its own name.
    assert.equal(await status({ host: 'rebound.example.com' }), 401);
    // A proxy on this machine answers someone else.
    assert.equal(await status({ host, 'x-forwarded-for': '203.0.113.9' }), 401);
    assert.equal(await status({ host, forwarded: 'for=203.0.113.9' }), 401);
    // Browsers hold no WebSocket to CORS: another site's page is refused by its origin.
    await assert.rejects(openSocket(gateway.url, { origin: 'https://evil.example' }), /upgrade refused: 403/);
    const local = await openSocket(gateway.url, { origin: gateway.url });
    local.close();
  });

  test('without any key, the loopback user is the admin; the first key is created then', async () => {
    const open = await gateway.client('unused').responses.create({ model: 'test/echo', input: 'hi' });
    assert.equal(open.status, 'completed');
    // A first key that is not an admin's would leave no one to manage keys over HTTP.
    const plain = await gateway.request('POST', '/v1/keys', { name: 'plain' });
    assert.equal(plain.status, 400);
    assert.equal(errorOf(plain.json).param, 'scopes.admin');
    const created = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    assert.equal(created.status, 201);
    admin = created.json.key as string;
    assert.match(admin, /^ptk_[A-Za-z0-9_-]{43}$/);
    const listed = await gateway.request('GET', '/v1/keys', undefined, bearer(admin));
    const shown = JSON.stringify(listed.json);
    assert.ok(!shown.includes(admin), 'a key is shown once, at creation');
    assert.match(shown, /ptk_/, 'its hint is listed');
  });

  test('once keys exist, a request without one is refused (401), and so is a bad or unknown key', async () => {
    const none = await gateway.request('POST', '/v1/responses', { model: 'test/echo', input: 'hi' });
    assert.equal(none.status, 401);
    assert.equal(errorOf(none.json).code, 'missing_api_key');
    const placeholder = await gateway.request('GET', '/v1/models', undefined, bearer('unused'));
    assert.equal(placeholder.status, 401);
    const unknown = await gateway.request('GET', '/v1/models', undefined, bearer('ptk_' + 'x'.repeat(43)));
    assert.equal(unknown.status, 401);
    assert.equal(errorOf(unknown.json).code, 'invalid_api_key');
    const good = await gateway.request('GET', '/v1/models', undefined, bearer(admin));
    assert.equal(good.status, 200);
    const viaCf = await gateway.request('GET', '/v1/models', undefined, {
      'cf-aig-authorization': `Bearer ${admin}`,
      authorization: 'Bearer sk-a-provider-key-meant-for-the-upstream',
    });
    assert.equal(viaCf.status, 200, "cf-aig-authorization wins over a provider's Authorization");
  });

  test('a gateway without authentication serves requests without a key', async () => {
    const served = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'hi' },
      { 'cf-aig-gateway-id': 'public' },
    );
    assert.equal(served.status, 200);
  });

  test('requests without a key store in a project no key holds, and may not list it or read its logs', async () => {
    const open = { 'cf-aig-gateway-id': 'public' };
    const ask = (input: string, headers: Record<string, string>, previous?: string) =>
      gateway.request(
        'POST',
        '/v1/responses',
        { model: 'test/echo', input, ...(previous ? { previous_response_id: previous } : {}) },
        headers,
      );
    const anonymous = (await ask('a note without a key', open)).json.id as string;
    const ownerOnly = (await ask('a note of the default project', bearer(admin))).json.id as string;
    assert.equal((await gateway.request('GET', `/v1/responses/${anonymous}`, undefined, open)).status, 200);
    assert.equal((await ask('and then?', open, anonymous)).status, 200);
    // The default project (the admin's key, keys made without a project) and the keyless never meet.
    assert.equal((await gateway.request('GET', `/v1/responses/${ownerOnly}`, undefined, open)).status, 404);
    assert.ok([400, 404].includes((await ask('and then?', open, ownerOnly)).status));
    const fromKey = await gateway.request('GET', `/v1/responses/${anonymous}`, undefined, bearer(admin));
    assert.equal(fromKey.status, 404);
    // They share that project with every other request without a key: no listing, no logs.
    for (const path of ['/v1/files', '/v1/containers', '/v1/vector_stores', '/v1/logs', '/v1/analytics']) {
      const refused = await gateway.request('GET', path, undefined, open);
      assert.equal(refused.status, 401, path);
      assert.equal(errorOf(refused.json).code, 'missing_api_key', path);
    }
    const log = (await gateway.logs()).find((entry) => JSON.stringify(entry).includes(anonymous));
    assert.equal(log?.project, '(anonymous)');
  });

  test('an unknown gateway is a 404 naming it, over HTTP and in the binding', async () => {
    const missing = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'hi' },
      { ...bearer(admin), 'cf-aig-gateway-id': 'nowhere' },
    );
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing.json).code, 'gateway_not_found');
    assert.match(errorOf(missing.json).message, /'nowhere'/);
    const dataDir = mkdtempSync(join(tmpdir(), 'portico-binding-gw-'));
    const ai = createAI({
      dataDir,
      modelsDirs: [],
      env: {},
      models: [scriptedModel('test/echo', 'scripted')],
      providers: new Map([['scripted', echoProvider()]]),
    });
    await assert.rejects(ai.run('test/echo', { input: 'hi' }, { gateway: { id: 'nowhere' } }), {
      status: 404,
      code: 'gateway_not_found',
    });
    await ai.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("another project's key gets a 404 for every stored object and log", async () => {
    for (const project of ['alpha', 'beta']) {
      const created = await gateway.request('POST', '/v1/keys', { name: project, project }, bearer(admin));
      keys[project] = { key: created.json.key as string, id: created.json.id as string };
    }
    const alpha = gateway.client(keys.alpha!.key);
    const beta = gateway.client(keys.beta!.key);
    const made = await alpha.responses
      .create({ model: 'test/echo', input: 'a secret of alpha' })
      .withResponse();
    const logId = made.response.headers.get('cf-aig-log-id')!;
    const id = made.data.id;
    for (const attempt of [
      () => beta.responses.retrieve(id),
      () => beta.responses.inputItems.list(id),
      () => beta.responses.delete(id),
      () => beta.responses.create({ model: 'test/echo', input: 'x', previous_response_id: id }),
    ])
      await assert.rejects(attempt(), (error: { status: number }) => [400, 404].includes(error.status));
    const log = await gateway.request('GET', `/v1/logs/${logId}`, undefined, bearer(keys.beta!.key));
    assert.equal(log.status, 404);
    const list = await gateway.request('GET', '/v1/logs', undefined, bearer(keys.beta!.key));
    assert.ok(!JSON.stringify(list.json).includes(logId));
    // Nor does a page cursor tell that another project's id exists: it is unknown, as a made-up one.
    const cursor = await gateway.request('GET', `/v1/logs?after=${logId}`, undefined, bearer(keys.beta!.key));
    assert.equal(cursor.status, 400);
    assert.equal(errorOf(cursor.json).param, 'after');
    const betaContainer = await gateway.request(
      'POST',
      '/v1/containers',
      { name: 'b' },
      bearer(keys.beta!.key),
    );
    const alphaContainer = await gateway.request(
      'POST',
      '/v1/containers',
      { name: 'a' },
      bearer(keys.alpha!.key),
    );
    const paged = await gateway.request(
      'GET',
      `/v1/containers?order=desc&after=${alphaContainer.json.id as string}`,
      undefined,
      bearer(keys.beta!.key),
    );
    assert.equal(betaContainer.status, 200);
    assert.equal(paged.status, 400);
    assert.equal(errorOf(paged.json).param, 'after');
    assert.equal((await alpha.responses.retrieve(id)).id, id, 'its own project still sees it');
    const own = await gateway.request('GET', `/v1/logs/${logId}`, undefined, bearer(keys.alpha!.key));
    assert.equal(own.status, 200);
    assert.equal(own.json.project, 'alpha');
  });

  test("one project never reads another project's cached answers", async () => {
    const cached = { 'cf-aig-cache-ttl': '300' };
    const input = `cached per project ${Math.random()}`;
    await gateway.client(keys.alpha!.key, cached).responses.create({ model: 'test/echo', input });
    const beta = await gateway
      .client(keys.beta!.key, cached)
      .responses.create({ model: 'test/echo', input })
      .withResponse();
    assert.equal(beta.response.headers.get('cf-aig-cache-status'), 'MISS');
  });

  test('scopes: models, gateways, and admin APIs', async () => {
    const created = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'narrow', scopes: { models: ['test/e*'], gateways: ['gw1'] } },
      bearer(admin),
    );
    const narrow = created.json.key as string;
    const onGw1 = { ...bearer(narrow), 'cf-aig-gateway-id': 'gw1' };
    assert.equal(
      (await gateway.request('POST', '/v1/responses', { model: 'test/echo', input: 'x' }, onGw1)).status,
      200,
    );
    const model = await gateway.request('POST', '/v1/responses', { model: 'test/other', input: 'x' }, onGw1);
    assert.equal(model.status, 403);
    assert.equal(errorOf(model.json).code, 'model_not_allowed');
    // Counting a model's tokens is using it too.
    const counted = { model: 'test/other', input: 'x' };
    const count = await gateway.request('POST', '/v1/responses/input_tokens', counted, onGw1);
    assert.equal(count.status, 403);
    assert.equal(errorOf(count.json).code, 'model_not_allowed');
    const other = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'x' },
      bearer(narrow),
    );
    assert.equal(other.status, 403);
    assert.equal(errorOf(other.json).code, 'gateway_not_allowed');
    const keysList = await gateway.request('GET', '/v1/keys', undefined, onGw1);
    assert.equal(keysList.status, 403);
    assert.equal(errorOf(keysList.json).code, 'admin_required');
  });

  test('background responses are admitted like any request, and run for the key that queued them', async () => {
    const created = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'queuer', scopes: { models: ['test/echo'] } },
      bearer(admin),
    );
    const queuer = bearer(created.json.key as string);
    const refused = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/other', input: 'x', background: true },
      queuer,
    );
    assert.equal(refused.status, 403);
    assert.equal(errorOf(refused.json).code, 'model_not_allowed');
    const queued = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'later', background: true },
      queuer,
    );
    assert.equal(queued.json.status, 'queued');
    let status = 'queued';
    for (let i = 0; i < 400 && (status === 'queued' || status === 'in_progress'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await gateway.request('GET', `/v1/responses/${queued.json.id}`, undefined, queuer)).json
        .status as string;
    }
    assert.equal(status, 'completed');
    // The run's log is written when its event stream ends, just after the response is stored
    // as completed, so a client that saw 'completed' may read the log list a moment early.
    let run: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !run; i++) {
      run = (await gateway.logs()).find((log) => log.responseId === queued.json.id);
      if (!run) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(run?.keyId, created.json.id, "the run's cost counts against the key that queued it");
    assert.equal(run?.path, 'background');
  });

  test('a key whose default gateway does not exist is refused, made or changed', async () => {
    const made = await gateway.request('POST', '/v1/keys', { default_gateway: 'nowhere' }, bearer(admin));
    assert.equal(made.status, 400);
    assert.equal(errorOf(made.json).param, 'default_gateway');
    const good = await gateway.request('POST', '/v1/keys', { default_gateway: 'gw1' }, bearer(admin));
    assert.equal(good.status, 201);
    const changed = await gateway.request(
      'PATCH',
      `/v1/keys/${good.json.id as string}`,
      { default_gateway: 'nowhere' },
      bearer(admin),
    );
    assert.equal(changed.status, 400);
    assert.equal(errorOf(changed.json).param, 'default_gateway');
  });

  test('an expired or revoked key stops working at once', async () => {
    const created = await gateway.request('POST', '/v1/keys', { name: 'brief' }, bearer(admin));
    const brief = created.json.key as string;
    const id = created.json.id as string;
    assert.equal((await gateway.request('GET', '/v1/models', undefined, bearer(brief))).status, 200);
    // Through the server's own key admin: a change written to the database by another process
    // reaches this one's key cache within KEY_CACHE_MS (test/cached-key-store.test.ts).
    const keys = gateway.server.runtime.gateway.keys;
    await keys.update(id, { expires_at: Math.floor(Date.now() / 1000) - 1 });
    const expired = await gateway.request('GET', '/v1/models', undefined, bearer(brief));
    assert.equal(expired.status, 401);
    assert.equal(errorOf(expired.json).code, 'expired_api_key');
    await keys.update(id, { expires_at: null });
    // A WebSocket opened with the key before it is revoked stops at its next turn.
    const socket = await openSocket(gateway.url, bearer(brief));
    socket.create({ model: 'test/echo', input: 'Hi', store: false });
    assert.equal((await socket.turn()).at(-1)?.type, 'response.completed');
    const revoked = await gateway.request('DELETE', `/v1/keys/${id}`, undefined, bearer(admin));
    assert.equal(revoked.status, 200);
    assert.ok(revoked.json.revoked_at);
    assert.equal((await gateway.request('GET', '/v1/models', undefined, bearer(brief))).status, 401);
    socket.create({ model: 'test/echo', input: 'Hi again', store: false });
    const refused = (await socket.turn()).at(-1) as { type: string; error?: { code: string } };
    assert.deepEqual([refused.type, refused.error?.code], ['error', 'invalid_api_key']);
    socket.close();
  });

  test('a bad cf-aig-* header is a 400 naming it', async () => {
    const cases: Array<[string, string]> = [
      ['cf-aig-cache-ttl', 'soon'],
      ['cf-aig-skip-cache', 'maybe'],
      ['cf-aig-metadata', '{not json'],
      ['cf-aig-metadata', '{"nested": {"a": 1}}'],
      ['cf-aig-custom-cost', '{"per_token_in": "cheap"}'],
      ['cf-aig-max-attempts', '9'],
      ['cf-aig-retry-delay', '9000'],
      ['cf-aig-backoff', 'random'],
      ['cf-aig-request-timeout', '-5'],
      ['cf-aig-collect-log', 'sometimes'],
      ['cf-aig-gateway-id', 'Not A Gateway!'],
    ];
    for (const [header, value] of cases) {
      const answer = await gateway.request(
        'POST',
        '/v1/responses',
        { model: 'test/echo', input: 'x' },
        { ...bearer(admin), [header]: value },
      );
      assert.equal(answer.status, 400, `${header}: ${value}`);
      assert.equal(errorOf(answer.json).param, header);
    }
    const six = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'x' },
      { ...bearer(admin), 'cf-aig-metadata': '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}' },
    );
    assert.equal(six.status, 200, 'entries beyond five are dropped, as on Cloudflare');
    assert.match(six.headers.get('x-portico-warnings') ?? '', /first 5 metadata entries/);
    // Unified Billing's headers: what Portico cannot do is said, never silently ignored.
    const billing = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'x' },
      { ...bearer(admin), 'cf-aig-zdr': 'true', 'cf-aig-no-wholesale': 'true' },
    );
    assert.equal(billing.status, 200);
    const warned = billing.headers.get('x-portico-warnings') ?? '';
    assert.match(warned, /cf-aig-zdr: ignored/);
    assert.doesNotMatch(warned, /no-wholesale/, 'always satisfied: nothing to warn of');
  });

  test("gateways are managed through the admin API; the config file's are read-only", async () => {
    const made = await gateway.request(
      'POST',
      '/v1/gateways',
      { id: 'made', cache_ttl: 120, rate_limit: { limit: 5, period: 60 } },
      bearer(admin),
    );
    assert.equal(made.status, 201);
    assert.equal(made.json.cache_ttl, 120);
    const changed = await gateway.request(
      'PATCH',
      '/v1/gateways/made',
      { collect_logs: false },
      bearer(admin),
    );
    assert.equal(changed.json.collect_logs, false);
    assert.equal(changed.json.cache_ttl, 120);
    const readOnly = await gateway.request('PATCH', '/v1/gateways/gw1', { cache_ttl: 60 }, bearer(admin));
    assert.equal(readOnly.status, 409);
    const bad = await gateway.request(
      'POST',
      '/v1/gateways',
      { id: 'bad', retries: { max_attempts: 7 } },
      bearer(admin),
    );
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad.json).param, 'retries.max_attempts');
    // The same floor as a request's cf-aig-cache-ttl: 0, or a minute to a month.
    const brief = await gateway.request('POST', '/v1/gateways', { id: 'brief', cache_ttl: 5 }, bearer(admin));
    assert.equal(brief.status, 400);
    assert.equal(errorOf(brief.json).param, 'cache_ttl');
    const list = await gateway.request('GET', '/v1/gateways', undefined, bearer(admin));
    const ids = (list.json.data as Array<{ id: string }>).map((g) => g.id);
    assert.deepEqual(ids, ['default', 'gw1', 'made', 'public']);
    assert.equal(
      (await gateway.request('DELETE', '/v1/gateways/made', undefined, bearer(admin))).status,
      200,
    );
  });
});

describe('portico keys and serve beyond loopback', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-keys-cli-'));
  const env = { ...process.env, PORTICO_DATA_DIR: dataDir, PORTICO_MODELS_DIR: '' };
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [...porticoFromSource, ...args], { env });

  test('without an admin key, `portico serve --host 0.0.0.0` refuses to start and says how to make one', async () => {
    await assert.rejects(spawnServe(['--host', '0.0.0.0'], env), /portico keys create --admin/);
  });

  test('`portico keys create --admin` prints the key once; list shows it; revoke ends it; then serve starts', async () => {
    const created = await run([
      'keys',
      'create',
      '--admin',
      '--name',
      'ops',
      '--budget',
      '10/30d',
      '--rate-limit',
      '100/1m:sliding',
    ]);
    const key = created.stdout.trim();
    assert.match(key, /^ptk_/);
    assert.match(created.stderr, /only time the key is shown/);
    const listed = await run(['keys', 'list', '--json']);
    const [record] = JSON.parse(listed.stdout) as Array<{
      id: string;
      scopes: { admin: boolean };
      budget: unknown;
      rate_limit: unknown;
    }>;
    assert.equal(record?.scopes.admin, true);
    assert.deepEqual(record?.budget, { limit_usd: 10, period: 2_592_000 });
    assert.deepEqual(record?.rate_limit, { limit: 100, period: 60, technique: 'sliding' });
    assert.ok(!listed.stdout.includes(key));
    const served = await spawnServe(['--host', '0.0.0.0'], env);
    const models = await fetch(`${served.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(models.status, 200);
    assert.equal(await served.stop(), 0);
    await run(['keys', 'revoke', record!.id]);
    assert.deepEqual(JSON.parse((await run(['keys', 'list', '--json'])).stdout), []);
    await assert.rejects(run(['keys', 'create', '--budget', 'lots']), /--budget takes dollars per period/);
  });
});
