import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import type { BackgroundRun, BackgroundStore } from '../src/store/background-store.ts';
import type { ResponseStore } from '../src/store/response-store.ts';
import type { StoreUnderTest } from './store-contract.ts';
import { responseFixture, userItem } from './support/store-fixtures.ts';

const ALICE = 'proj_alice';
const BOB = 'proj_bob';
const LEASE = 1000;

function run(id: string, model = 'm/one', owner = ALICE): BackgroundRun {
  return { responseId: id, owner, model, request: { model, input: 'x', background: true } };
}

function lifecycle(id: string, from = 0): ResponseStreamEvent[] {
  const response = responseFixture(id, { status: 'queued', background: true });
  return [
    { type: 'response.created', response, sequence_number: from },
    { type: 'response.queued', response, sequence_number: from + 1 },
  ];
}

/** The behaviour every BackgroundStore backend owes; each test gets fresh, empty stores. */
export function describeBackgroundStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`BackgroundStore contract: ${name}`, () => {
    let handle: StoreUnderTest;
    let store: BackgroundStore;
    let responses: ResponseStore;
    beforeEach(async () => {
      handle = await open();
      store = handle.stores.background;
      responses = handle.stores.responses;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    async function enqueue(id: string, model = 'm/one', owner = ALICE): Promise<void> {
      const response = responseFixture(id, { status: 'queued', background: true });
      await store.enqueue(response, [userItem(`u_${id}`, 'x')], run(id, model, owner), lifecycle(id));
    }

    test('enqueue records the response, its input, its run and its first events', async () => {
      await enqueue('resp_1');
      assert.equal((await responses.get('resp_1', ALICE))?.status, 'queued');
      assert.deepEqual(
        (await responses.history('resp_1', ALICE))?.map((item) => item.id),
        ['u_resp_1'],
      );
      assert.deepEqual(await store.events('resp_1', ALICE, -1), lifecycle('resp_1'));
      assert.deepEqual(await store.events('resp_1', BOB, -1), [], 'events are scoped to the owner');
      assert.deepEqual(await store.claim('i1', [], 0, LEASE), run('resp_1'));
    });

    test('claims go oldest first, once each, skipping busy models', async () => {
      await enqueue('resp_1', 'm/one');
      await enqueue('resp_2', 'm/two');
      await enqueue('resp_3', 'm/one');
      assert.equal((await store.claim('i1', ['m/one'], 0, LEASE))?.responseId, 'resp_2');
      assert.equal((await store.claim('i2', [], 0, LEASE))?.responseId, 'resp_1');
      assert.equal((await store.claim('i1', [], 0, LEASE))?.responseId, 'resp_3');
      assert.equal(await store.claim('i2', [], 0, LEASE), undefined);
    });

    test('leases: renewed by their holder only; a lapsed one is taken back by one instance', async () => {
      await enqueue('resp_1');
      await store.claim('i1', [], 0, LEASE);
      assert.deepEqual(await store.renew('resp_1', 'i2', 500, LEASE), { held: false, cancel: false });
      assert.deepEqual(await store.renew('resp_1', 'i1', 500, LEASE), { held: true, cancel: false });
      assert.deepEqual(await store.takeLapsed('i2', 1400, LEASE), [], 'a live lease is never taken');
      const [first, second] = await Promise.all([
        store.takeLapsed('i2', 1600, LEASE),
        store.takeLapsed('i3', 1600, LEASE),
      ]);
      assert.equal(first.length + second.length, 1, 'one instance recovers it');
      const lapsed = [...first, ...second][0]!;
      assert.deepEqual(lapsed, { ...run('resp_1'), events: lifecycle('resp_1'), cancel: false });
      assert.deepEqual(await store.renew('resp_1', 'i1', 1700, LEASE), { held: false, cancel: false });
    });

    test('complete removes a run; requeue puts it back and drops events after a point', async () => {
      await enqueue('resp_1');
      await store.claim('i1', [], 0, LEASE);
      const more = lifecycle('resp_1', 2).map(
        (event) => ({ ...event, type: 'response.in_progress' }) as ResponseStreamEvent,
      );
      await store.appendEvents('resp_1', more);
      assert.equal((await store.events('resp_1', ALICE, 1)).length, 2);
      await store.requeue('resp_1', 'i1', 1);
      assert.deepEqual(await store.events('resp_1', ALICE, -1), lifecycle('resp_1'));
      assert.equal((await store.claim('i2', [], 0, LEASE))?.responseId, 'resp_1');
      await store.complete('resp_1', 'i1');
      assert.deepEqual(
        await store.renew('resp_1', 'i2', 0, LEASE),
        { held: true, cancel: false },
        'only its holder completes it',
      );
      await store.complete('resp_1', 'i2');
      assert.deepEqual(await store.renew('resp_1', 'i2', 0, LEASE), { held: false, cancel: false });
      assert.equal(await store.claim('i2', [], 0, LEASE), undefined);
    });

    test('cancel: a queued run leaves the queue, a running one is flagged for its holder', async () => {
      await enqueue('resp_1');
      await enqueue('resp_2');
      assert.equal(await store.cancel('resp_1', BOB), undefined);
      assert.equal(await store.cancel('resp_1', ALICE), 'queued');
      assert.equal((await store.claim('i1', [], 0, LEASE))?.responseId, 'resp_2');
      assert.equal(await store.cancel('resp_2', ALICE), 'running');
      assert.deepEqual(await store.renew('resp_2', 'i1', 10, LEASE), { held: true, cancel: true });
      assert.equal(await store.claim('i1', [], 0, LEASE), undefined);
      const [lapsed] = await store.takeLapsed('i2', 5000, LEASE);
      assert.equal(lapsed?.cancel, true);
    });

    test('deleting the response deletes its run and events', async () => {
      await enqueue('resp_1');
      assert.equal(await responses.delete('resp_1', ALICE), true);
      assert.equal(await store.claim('i1', [], 0, LEASE), undefined);
      assert.deepEqual(await store.events('resp_1', ALICE, -1), []);
    });
  });
}
