// The PostgreSQL runs need PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Cloudflare from 'cloudflare';
import fc from 'fast-check';
import Sqlite from 'better-sqlite3';
import { join } from 'node:path';
import type { DynamicRoutingCreateParams } from 'cloudflare/resources/ai-gateway/dynamic-routing';
import { LIMITS } from '../src/api/limits.ts';
import { startServer } from '../src/server/start-server.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { admin, freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { DATABASE_FILE } from '../src/store/sqlite-connection.ts';
import { scriptedModel } from './support/scripted-provider.ts';

const account_id = '0123456789abcdef0123456789abcdef';
type Elements = DynamicRoutingCreateParams['elements'];

/** start → one model → end. */
const toModel = (provider: string, model: string): Elements => [
  { id: 'start', type: 'start', outputs: { next: { elementId: 'model' } } },
  {
    id: 'model',
    type: 'model',
    properties: { provider, model, timeout: 10_000, retries: 0 },
    outputs: { success: { elementId: 'end' }, fallback: { elementId: 'end' } },
  },
  { id: 'end', type: 'end', outputs: {} },
];
const SMART = toModel('smart', 'large');
const CHEAP = toModel('cheap', 'small');

const options = (env: Record<string, string>) => ({
  env,
  config: { gateways: { fixed: { routes: [{ name: 'pinned', elements: SMART }] } } },
  models: [scriptedModel('cheap/small', 'cheap'), scriptedModel('smart/large', 'smart')],
  providers: new Map([
    ['cheap', echoProvider('cheap answered')],
    ['smart', echoProvider('smart answered')],
  ]),
});

/** Each backend: SQLite in the server's data folder, or a fresh PostgreSQL schema. */
const BACKENDS: Array<[string, () => Promise<{ env: Record<string, string>; drop(): Promise<void> }>]> = [
  ['SQLite', async () => ({ env: {}, drop: async () => {} })],
  [
    'PostgreSQL',
    async () => {
      const { schema, drop } = await freshSchema();
      return { env: { PORTICO_DATABASE_URL: TEST_DATABASE_URL, PORTICO_DATABASE_SCHEMA: schema }, drop };
    },
  ],
];

for (const [backend, database] of BACKENDS)
  describe(`${backend}: Cloudflare's route API through its SDK`, () => {
    let gateway: GatewayUnderTest;
    let cf: Cloudflare;
    let drop: () => Promise<void>;
    let env: Record<string, string>;
    const routes = () => cf.aiGateway.dynamicRouting;
    /** What `dynamic/<name>` answers on the gateway `shop`. */
    const ask = async (name: string) =>
      gateway.request(
        'POST',
        '/v1/responses',
        { model: `dynamic/${name}`, input: 'Hi' },
        { 'cf-aig-gateway-id': 'shop' },
      );
    const answer = async (name: string) => {
      const asked = await ask(name);
      assert.equal(asked.status, 200, JSON.stringify(asked.json));
      return (asked.json.output as Array<{ content: Array<{ text: string }> }>)[0]!.content[0]!.text;
    };
    /** A failed call's status and its envelope's first message. */
    const failure = async (call: Promise<unknown>) => {
      const error = (await call.then(
        () => assert.fail('expected an error'),
        (caught: unknown) => caught,
      )) as { status: number; error: { errors: Array<{ message: string; code: number }>; success: boolean } };
      assert.equal(error.error.success, false);
      return { status: error.status, message: error.error.errors[0]!.message };
    };

    before(async () => {
      const db = await database();
      ({ drop, env } = db);
      gateway = await startGateway(options(env));
      // No key exists yet: the local user is the admin, whatever token the SDK sends.
      cf = new Cloudflare({ apiToken: 'unused', baseURL: `${gateway.url}/client/v4`, maxRetries: 0 });
      assert.equal((await gateway.request('POST', '/v1/gateways', { id: 'shop' })).status, 201);
    });
    after(async () => {
      await gateway.stop();
      await drop();
    });

    test('create runs at once; a new version runs once deployed; deployments keep the history', async () => {
      const created = await routes().create('shop', { account_id, name: 'support', elements: SMART });
      assert.equal(created.name, 'support');
      assert.equal(created.gateway_id, 'shop');
      assert.deepEqual(created.elements, SMART);
      assert.equal(created.version.active, 'true');
      assert.equal(created.deployment.version_id, created.version.version_id);
      assert.deepEqual(JSON.parse(created.version.data), SMART);
      assert.equal(await answer('support'), 'smart answered');

      const params = { account_id, gateway_id: 'shop' };
      const v2 = (await routes().createVersion(created.id, { ...params, elements: CHEAP })) as unknown as {
        version_id: string;
        active: string;
      };
      assert.equal(v2.active, 'false');
      assert.equal(await answer('support'), 'smart answered', 'a version runs only once deployed');

      const deployed = await routes().createDeployment(created.id, { ...params, version_id: v2.version_id });
      assert.deepEqual(deployed.elements, CHEAP);
      assert.equal(await answer('support'), 'cheap answered');

      const got = await routes().get(created.id, params);
      assert.equal(got.deployment.version_id, v2.version_id);
      assert.notEqual(got.deployment.deployment_id, created.deployment.deployment_id);
      const deployments = (await routes().listDeployments(created.id, params)).data.deployments;
      assert.deepEqual(
        deployments.map((deployment) => deployment.version_id),
        [v2.version_id, created.version.version_id],
      );
      const versions = (await routes().listVersions(created.id, params)).data.versions;
      assert.deepEqual(
        versions.map((version) => [version.version_id, version.active]),
        [
          [v2.version_id, 'true'],
          [created.version.version_id, 'false'],
        ],
      );
      const first = await routes().getVersion(created.version.version_id, { ...params, id: created.id });
      assert.deepEqual(first.elements, SMART);
      assert.equal(first.name, 'support');

      // Roll back: the first version runs again, and no version is added.
      await routes().createDeployment(created.id, { ...params, version_id: created.version.version_id });
      assert.equal(await answer('support'), 'smart answered');
      assert.equal((await routes().listVersions(created.id, params)).data.versions.length, 2);
      assert.equal((await routes().listDeployments(created.id, params)).data.deployments.length, 3);
    });

    test("update renames; the gateway's routes setting is the same routes, and a PATCH of it is a new version", async () => {
      const params = { account_id, gateway_id: 'shop' };
      const [route] = (await routes().list('shop', { account_id })).data.routes;
      assert.ok(route);
      const renamed = await routes().update(route.id, { ...params, name: 'helpdesk' });
      assert.equal(renamed.route.name, 'helpdesk');
      assert.equal(await answer('helpdesk'), 'smart answered');
      assert.equal((await ask('support')).status, 404);

      const settings = await gateway.request('GET', '/v1/gateways/shop');
      assert.deepEqual(settings.json.routes, [{ id: route.id, name: 'helpdesk', elements: SMART }]);
      // A whole-list PATCH that leaves the id out keeps the route (by its name) and deploys its graph.
      const patched = await gateway.request('PATCH', '/v1/gateways/shop', {
        routes: [{ name: 'helpdesk', elements: CHEAP }],
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.json));
      assert.equal(await answer('helpdesk'), 'cheap answered');
      const got = await routes().get(route.id, params);
      assert.deepEqual(got.elements, CHEAP);
      assert.deepEqual(JSON.parse(got.version.data), CHEAP);
      assert.equal((await routes().listVersions(route.id, params)).data.versions.length, 3);
      // The same routes again change nothing.
      await gateway.request('PATCH', '/v1/gateways/shop', {
        routes: [{ name: 'helpdesk', elements: CHEAP }],
      });
      assert.equal((await routes().listDeployments(route.id, params)).data.deployments.length, 4);
    });

    test('bad elements are a 400 naming the path; unknown ids a 404', async () => {
      const params = { account_id, gateway_id: 'shop' };
      const [route] = (await routes().list('shop', { account_id })).data.routes;
      assert.ok(route);
      const broken = structuredClone(SMART);
      broken[0] = { id: 'start', type: 'start', outputs: { next: { elementId: 'gone' } } };
      const dangling = await failure(routes().createVersion(route.id, { ...params, elements: broken }));
      assert.equal(dangling.status, 400);
      assert.match(dangling.message, /elements\[0\]\.outputs\.next/);
      const unknownModel = await failure(
        routes().create('shop', { account_id, name: 'other', elements: toModel('nobody', 'nothing') }),
      );
      assert.equal(unknownModel.status, 400);
      assert.match(unknownModel.message, /elements\[1\]\.properties\.model/);
      const taken = await failure(routes().create('shop', { account_id, name: 'helpdesk', elements: SMART }));
      assert.equal(taken.status, 400);
      assert.match(taken.message, /named 'helpdesk'/);

      const full = Array.from({ length: LIMITS.routesPerGateway }, (_, at) => ({
        name: `r${at}`,
        elements: SMART,
      }));
      assert.equal((await gateway.request('POST', '/v1/gateways', { id: 'full', routes: full })).status, 201);
      const over = await failure(routes().create('full', { account_id, name: 'one-more', elements: SMART }));
      assert.equal(over.status, 400);
      assert.match(over.message, new RegExp(`at most ${LIMITS.routesPerGateway} routes`));

      assert.equal((await failure(routes().get('no-such-route', params))).status, 404);
      assert.equal(
        (await failure(routes().get(route.id, { account_id, gateway_id: 'no-such-gateway' }))).status,
        404,
      );
      const noVersion = await failure(
        routes().createDeployment(route.id, { ...params, version_id: 'no-such-version' }),
      );
      assert.equal(noVersion.status, 404);
      assert.equal(
        (await failure(routes().getVersion('no-such-version', { ...params, id: route.id }))).status,
        404,
      );
    });

    test("a config file's gateway lists its routes with a history, and refuses changes (409)", async () => {
      const [pinned] = (await routes().list('fixed', { account_id })).data.routes;
      assert.equal(pinned?.id, 'pinned', 'a route without an id is named by its name');
      assert.deepEqual(pinned.elements, SMART);
      assert.equal(pinned.version.active, 'true');
      const refused = await failure(routes().create('fixed', { account_id, name: 'more', elements: CHEAP }));
      assert.equal(refused.status, 409);
      const fixed = { account_id, gateway_id: 'fixed' };
      assert.equal(
        (await failure(routes().createVersion('pinned', { ...fixed, elements: CHEAP }))).status,
        409,
      );
      assert.equal((await failure(routes().delete('pinned', fixed))).status, 409);
      assert.equal((await routes().listVersions('pinned', fixed)).data.versions.length, 1);
    });

    test('delete: the route is a 404 to requests and to the API; a deleted gateway takes its routes with it', async () => {
      const params = { account_id, gateway_id: 'shop' };
      const [route] = (await routes().list('shop', { account_id })).data.routes;
      assert.ok(route);
      const deleted = await routes().delete(route.id, params);
      assert.equal(deleted.id, route.id);
      const gone = await ask('helpdesk');
      assert.equal(gone.status, 404);
      assert.equal((gone.json.error as { param: string }).param, 'model');
      assert.equal((await failure(routes().get(route.id, params))).status, 404);
      assert.equal((await failure(routes().listVersions(route.id, params))).status, 404);
      assert.equal((await gateway.server.runtime.stores.routes.versions('shop', route.id)).length, 0);

      await gateway.request('POST', '/v1/gateways', { id: 'temp' });
      const temp = await routes().create('temp', { account_id, name: 'short', elements: SMART });
      assert.equal((await gateway.request('DELETE', '/v1/gateways/temp')).status, 200);
      assert.equal((await gateway.server.runtime.stores.routes.versions('temp', temp.id)).length, 0);
      assert.equal((await gateway.server.runtime.stores.routes.records('temp')).size, 0);
    });

    test('a deployment made through one server runs on another sharing the database (workers, replicas)', async () => {
      const other = await startServer({
        port: 0,
        dataDir: gateway.dataDir,
        modelsDirs: [],
        ...options(env),
      });
      try {
        const elsewhere = new Cloudflare({
          apiToken: 'unused',
          baseURL: `${other.url}/client/v4`,
          maxRetries: 0,
        });
        const made = await routes().create('shop', { account_id, name: 'shared', elements: SMART });
        const params = { account_id, gateway_id: 'shop' };
        const version = (await elsewhere.aiGateway.dynamicRouting.createVersion(made.id, {
          ...params,
          elements: CHEAP,
        })) as unknown as { version_id: string };
        await elsewhere.aiGateway.dynamicRouting.createDeployment(made.id, {
          ...params,
          version_id: version.version_id,
        });
        assert.equal(await answer('shared'), 'cheap answered');
        assert.equal((await routes().get(made.id, params)).deployment.version_id, version.version_id);

        // Routes made at once through both servers: none undoes another.
        const names = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
        await Promise.all(
          names.map((name, at) =>
            (at % 2 ? elsewhere : cf).aiGateway.dynamicRouting.create('shop', {
              account_id,
              name,
              elements: SMART,
            }),
          ),
        );
        const listed = (await routes().list('shop', { account_id, per_page: 100 })).data.routes;
        assert.deepEqual(
          listed
            .map((route) => route.name)
            .filter((name) => names.includes(name))
            .sort(),
          names,
        );
        const second = (await routes().list('shop', { account_id, per_page: 2, page: 2 })).data;
        assert.deepEqual(
          second.routes.map((route) => route.id),
          listed.slice(2, 4).map((route) => route.id),
        );
        assert.equal(second.page, 2);
      } finally {
        await other.close();
      }
    });

    test('routes stored before they had a history are recorded as deployed when first read', async () => {
      const tables = ['dynamic_route_deployments', 'dynamic_route_versions', 'dynamic_routes'];
      if (env.PORTICO_DATABASE_SCHEMA)
        for (const table of tables) await admin(`DELETE FROM ${env.PORTICO_DATABASE_SCHEMA}.${table}`);
      else {
        const db = new Sqlite(join(gateway.dataDir, DATABASE_FILE));
        for (const table of tables) db.exec(`DELETE FROM ${table}`);
        db.close();
      }
      assert.equal((await gateway.server.runtime.stores.routes.records('shop')).size, 0);
      const listed = (await routes().list('shop', { account_id })).data.routes;
      assert.ok(listed.length > 0);
      for (const route of listed) {
        assert.equal(route.version.active, 'true');
        assert.deepEqual(JSON.parse(route.version.data), route.elements);
      }
      const params = { account_id, gateway_id: 'shop' };
      assert.equal((await routes().listDeployments(listed[0]!.id, params)).data.deployments.length, 1);
    });

    test('malformed bodies are a 4xx in the envelope, never a 500', async () => {
      const [route] = (await routes().list('shop', { account_id })).data.routes;
      const base = `/client/v4/accounts/${account_id}/ai-gateway/gateways/shop/routes`;
      const paths: Array<[string, string]> = [
        ['POST', base],
        ['POST', `${base}/${route!.id}/versions`],
        ['POST', `${base}/${route!.id}/deployments`],
        ['PATCH', `${base}/${route!.id}`],
      ];
      const element = fc.record(
        {
          id: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('start', 'model', 'end')),
          type: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('start', 'model', 'end', 'percentage')),
          outputs: fc.jsonValue({ maxDepth: 3 }),
          properties: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        fc.string(),
        fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
        fc
          .record(
            {
              name: fc.jsonValue({ maxDepth: 1 }),
              elements: fc.array(element, { maxLength: 5 }),
              version_id: fc.string(),
            },
            { requiredKeys: [] },
          )
          .map((value) => JSON.stringify(value)),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...paths), body, async ([method, path], text) => {
          const response = await fetch(`${gateway.url}${path}`, {
            method,
            headers: { 'content-type': 'application/json' },
            body: text,
          });
          const answer = (await response.json()) as { success: boolean; errors: Array<{ message: string }> };
          if (response.status === 200) return;
          assert.ok(response.status >= 400 && response.status < 500, `${method} ${path}: ${response.status}`);
          assert.equal(answer.success, false);
          assert.equal(typeof answer.errors[0]?.message, 'string');
        }),
        { numRuns: 150 },
      );
      assert.equal((await routes().get(route!.id, { account_id, gateway_id: 'shop' })).id, route!.id);
    });

    // Last: once a key exists, the loopback user is no longer an admin.
    test("a project's key gets a 403 from the route API", async () => {
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
      const refused = await failure(project.aiGateway.dynamicRouting.list('shop', { account_id }));
      assert.equal(refused.status, 403);
      const params = { account_id, gateway_id: 'shop' };
      assert.equal((await failure(project.aiGateway.dynamicRouting.listVersions('any', params))).status, 403);
      const adminClient = new Cloudflare({
        apiToken: admin.json.key as string,
        baseURL: `${gateway.url}/client/v4`,
        maxRetries: 0,
      });
      assert.ok(
        (await adminClient.aiGateway.dynamicRouting.list('shop', { account_id })).data.routes.length > 0,
      );
    });
  });
