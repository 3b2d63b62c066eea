// The PostgreSQL runs need PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DynamicRoute, RouteElement } from '../src/api/dynamic-route.ts';
import { LIMITS } from '../src/api/limits.ts';
import type { Stores } from '../src/store/stores.ts';
import type { StoreUnderTest } from './store-contract.ts';
import { gatewayFixture } from './support/gateway-fixtures.ts';
import { postgresUnderTest } from './support/postgres-under-test.ts';
import { sqliteUnderTest } from './support/sqlite-under-test.ts';

const T0 = 1_767_225_600_000;
const graph = (model: string): RouteElement[] => [
  { id: 'start', type: 'start', outputs: { next: { elementId: 'm' } } },
  {
    id: 'm',
    type: 'model',
    properties: { provider: 'p', model },
    outputs: { success: { elementId: 'end' } },
  },
  { id: 'end', type: 'end' },
];
const route = (model: string, extra: Partial<DynamicRoute> = {}): DynamicRoute => ({
  id: 'r1',
  name: 'support',
  elements: graph(model),
  ...extra,
});
const withRoutes = (routes: DynamicRoute[], at: number) => gatewayFixture('g', { routes, updatedAt: at });

const BACKENDS = [
  ['sqlite', sqliteUnderTest],
  ['postgres', postgresUnderTest],
] as const;

/** Runs `check` on fresh stores of each backend. */
function eachBackend(name: string, check: (stores: Stores, under: StoreUnderTest) => Promise<void>): void {
  for (const [backend, open] of BACKENDS)
    test(`${backend}: ${name}`, async () => {
      const under = await open();
      try {
        await check(under.stores, under);
      } finally {
        await under.cleanup();
      }
    });
}

eachBackend(
  "a gateway's write records each changed route's version and deployment with it",
  async (stores) => {
    assert.equal(await stores.gateways.put(withRoutes([route('a')], T0)), true);
    const [record] = [...(await stores.routes.records('g')).values()];
    assert.deepEqual(record?.version.elements, graph('a'));
    assert.equal(record.createdAt, T0);

    // The same graph again: nothing new; another graph: a new version, deployed.
    await stores.gateways.put(withRoutes([route('a')], T0 + 1));
    assert.equal((await stores.routes.deployments('g', 'r1')).length, 1);
    await stores.gateways.put(withRoutes([route('b', { name: 'renamed' })], T0 + 2));
    const versions = await stores.routes.versions('g', 'r1');
    assert.deepEqual(
      versions.map((version) => version.elements),
      [graph('b'), graph('a')],
    );
    const deployed = (await stores.routes.records('g')).get('r1')!;
    assert.equal(deployed.deployment.versionId, versions[0]!.id);
    assert.equal(deployed.modifiedAt, T0 + 2);

    // Deploying the first version again (its graph written back): no new version.
    const first = versions[1]!.id;
    await stores.gateways.put(withRoutes([route('a')], T0 + 3), { deploy: new Map([['r1', first]]) });
    assert.equal((await stores.routes.versions('g', 'r1')).length, 2);
    assert.deepEqual(
      (await stores.routes.deployments('g', 'r1')).map((deployment) => deployment.versionId),
      [first, versions[0]!.id, first],
    );
  },
);

eachBackend(
  'a write against settings that changed meanwhile writes nothing, on any worker',
  async (stores, under) => {
    const base = withRoutes([route('a')], T0);
    assert.equal(await stores.gateways.put(base, { expected: null }), true);
    assert.equal(await stores.gateways.put(base, { expected: null }), false, 'it exists already');
    const sibling = await under.sibling!('worker-2');
    const attempts = await Promise.all([
      stores.gateways.put(withRoutes([route('b')], T0 + 1), { expected: base }),
      sibling.gateways.put(withRoutes([route('c')], T0 + 1), { expected: base }),
    ]);
    assert.deepEqual(
      attempts.filter((written) => written),
      [true],
      'exactly one of two writers from the same read wins',
    );
    const winner = attempts[0] ? 'b' : 'c';
    assert.deepEqual((await stores.gateways.get('g'))?.routes, [route(winner)]);
    assert.deepEqual((await sibling.routes.records('g')).get('r1')?.version.elements, graph(winner));
    assert.equal(
      (await stores.routes.versions('g', 'r1')).length,
      2,
      "the loser's version was never written",
    );
  },
);

eachBackend('versions beyond the bound are pruned, never the deployed one', async (stores) => {
  await stores.gateways.put(withRoutes([route('deployed')], T0));
  for (let i = 0; i < LIMITS.routeVersions + 3; i++)
    await stores.routes.addVersion('g', 'r1', graph(`v${i}`), T0 + i);
  const versions = await stores.routes.versions('g', 'r1');
  assert.equal(versions.length, LIMITS.routeVersions + 1);
  assert.deepEqual(versions[0]?.elements, graph(`v${LIMITS.routeVersions + 2}`));
  assert.deepEqual(versions.at(-1)?.elements, graph('deployed'));
  assert.equal(await stores.routes.addVersion('g', 'nobody', graph('x'), T0), undefined);
});

eachBackend('a route gone from the setting, or a gateway deleted, takes its history', async (stores) => {
  await stores.gateways.put(withRoutes([route('a'), route('b', { id: 'r2', name: 'other' })], T0));
  await stores.gateways.put(withRoutes([route('a')], T0 + 1));
  assert.deepEqual([...(await stores.routes.records('g')).keys()], ['r1']);
  assert.equal((await stores.routes.versions('g', 'r2')).length, 0);
  assert.equal(await stores.gateways.delete('g'), true);
  assert.equal((await stores.routes.records('g')).size, 0);
  assert.equal((await stores.routes.versions('g', 'r1')).length, 0);
});
