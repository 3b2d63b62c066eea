import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import type { BackgroundRun, BackgroundStore, StreamEnding } from '../src/store/background-store.ts';
import type { ResponseStore } from '../src/store/response-store.ts';
import type { StoreUnderTest } from './store-contract.ts';
import { responseFixture, userItem } from './support/store-fixtures.ts';

const ALICE = 'proj_alice';
const BOB = 'proj_bob';
const LEASE = 1000;

function run(id: string, model = 'm/one', owner = ALICE): BackgroundRun {
  return { responseId: id, owner, model, request: { model, input: 'x', background: true } };
}

/** An ending that closes the stream with the response as `status` says, after the stored events. */
function endingAs(id: string, status: 'cancelled' | 'failed'): StreamEnding {
  return (events) => {
    const response = responseFixture(id, { status, background: true });
    const sequence_number = (events.at(-1)?.sequence_number ?? -1) + 1;
    return { events: [{ type: 'response.incomplete', response, sequence_number }], response };
  };
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

    test('complete removes a run; requeue puts it back, with its record, and drops events after a point', async () => {
      await enqueue('resp_1');
      await store.claim('i1', [], 0, LEASE);
      const running = responseFixture('resp_1', { status: 'in_progress', background: true });
      await responses.finish(running, ALICE);
      const more = lifecycle('resp_1', 2).map(
        (event) => ({ ...event, type: 'response.in_progress' }) as ResponseStreamEvent,
      );
      await store.appendEvents('resp_1', more);
      assert.equal((await store.events('resp_1', ALICE, 1)).length, 2);
      // One transaction: a crash cannot leave the run queued and its record in progress.
      await store.requeue({ ...running, status: 'queued' }, ALICE, 'i1', 1);
      assert.equal((await responses.get('resp_1', ALICE))?.status, 'queued');
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

    test('cancel: a queued run is ended as it leaves the queue, a running one is flagged for its holder', async () => {
      await enqueue('resp_1');
      await enqueue('resp_2');
      const cancelled = (id: string) => endingAs(id, 'cancelled');
      assert.equal(await store.cancel('resp_1', BOB, cancelled('resp_1')), undefined);
      assert.equal(await store.cancel('resp_1', ALICE, cancelled('resp_1')), 'queued');
      // In the same transaction: a crash cannot leave it out of the queue and still queued.
      assert.equal((await responses.get('resp_1', ALICE))?.status, 'cancelled');
      assert.deepEqual(
        (await store.events('resp_1', ALICE, -1)).map((event) => [event.sequence_number, event.type]),
        [
          [0, 'response.created'],
          [1, 'response.queued'],
          [2, 'response.incomplete'],
        ],
      );
      assert.equal((await store.claim('i1', [], 0, LEASE))?.responseId, 'resp_2');
      assert.equal(await store.cancel('resp_2', ALICE, cancelled('resp_2')), 'running');
      assert.equal((await responses.get('resp_2', ALICE))?.status, 'queued', 'its holder ends it');
      assert.deepEqual(await store.renew('resp_2', 'i1', 10, LEASE), { held: true, cancel: true });
      assert.equal(await store.claim('i1', [], 0, LEASE), undefined);
      const [lapsed] = await store.takeLapsed('i2', 5000, LEASE);
      assert.equal(lapsed?.cancel, true);
    });

    test('end: its holder ends a run in one transaction (stream, record, queue); no one else can', async () => {
      await enqueue('resp_1');
      await store.claim('i1', [], 0, LEASE);
      await store.end('resp_1', ALICE, 'i2', endingAs('resp_1', 'failed'));
      assert.equal((await responses.get('resp_1', ALICE))?.status, 'queued');
      assert.equal((await store.events('resp_1', ALICE, -1)).length, 2);
      await store.end('resp_1', ALICE, 'i1', endingAs('resp_1', 'failed'));
      assert.equal((await responses.get('resp_1', ALICE))?.status, 'failed');
      assert.equal((await store.events('resp_1', ALICE, 1)).at(-1)?.sequence_number, 2);
      assert.deepEqual(await store.renew('resp_1', 'i1', 0, LEASE), { held: false, cancel: false });
      assert.deepEqual(await store.takeLapsed('i2', 5000, LEASE), []);
    });

    test('deleting the response deletes its run and events', async () => {
      await enqueue('resp_1');
      assert.equal(await responses.delete('resp_1', ALICE), true);
      assert.equal(await store.claim('i1', [], 0, LEASE), undefined);
      assert.deepEqual(await store.events('resp_1', ALICE, -1), []);
    });
  });
}
