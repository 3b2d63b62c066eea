import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api/errors.ts';
import type { Item } from '../src/api/items.ts';
import type { ResponseObject } from '../src/api/response.ts';
import type { ResponseStore } from '../src/store/response-store.ts';
import type { Stores } from '../src/store/stores.ts';
import { assistantItem, completedFixture, responseFixture, userItem } from './support/store-fixtures.ts';

export interface StoreUnderTest {
  stores: Stores;
  /** Closes nothing itself: the suite closes `stores` first, then opens the same data again. */
  reopen?: () => Promise<Stores>;
  /** Another process's view of the same data, writing as `instance` (closed by cleanup). */
  sibling: (instance: string) => Promise<Stores>;
  /** Closes every store this handle opened (closing twice must be harmless) and drops its data. */
  cleanup: () => Promise<void>;
}

const ALICE = 'key_alice';
const BOB = 'key_bob';

/** The behaviour every ResponseStore backend owes; each test gets a fresh, empty store. */
export function describeResponseStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`ResponseStore contract: ${name}`, () => {
    let handle: StoreUnderTest;
    let store: ResponseStore;
    beforeEach(async () => {
      handle = await open();
      store = handle.stores.responses;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    /** Begins and finishes a turn `n` of a chain: input `u<n>`, output `a<n>`. */
    async function turn(n: number, previous: string | null, owner = ALICE): Promise<ResponseObject> {
      const started = responseFixture(`resp_${n}`, { previous_response_id: previous });
      await store.begin(started, [userItem(`u${n}`, `question ${n}`)], owner);
      const done = completedFixture(started, [assistantItem(`a${n}`, `answer ${n}`)]);
      await store.finish(done, owner);
      return done;
    }

    const ids = (items: readonly Item[] | undefined): string[] | undefined => items?.map((item) => item.id);

    test('begin then get returns the response as it was given', async () => {
      const response = responseFixture('resp_1', { metadata: { topic: 'store' }, temperature: 0.25 });
      await store.begin(response, [userItem('u1', 'hello')], ALICE);
      assert.deepEqual(await store.get('resp_1', ALICE), response);
      assert.equal((await store.get('resp_1', ALICE))?.status, 'in_progress');
      assert.equal(await store.get('resp_unknown', ALICE), undefined);
    });

    test('items are stored exactly as given', async () => {
      const input: Item[] = [
        {
          type: 'message',
          id: 'm1',
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is in this picture? ünïcødé ✓' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
          ],
        },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' },
        { type: 'function_call_output', id: 'fco_1', call_id: 'call_1', output: '{"ok":true}' },
      ];
      const started = responseFixture('resp_1');
      await store.begin(started, input, ALICE);
      const output = [
        { type: 'reasoning' as const, id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        assistantItem('msg_1', 'a dog'),
      ];
      await store.finish(completedFixture(started, output), ALICE);
      assert.deepEqual(await store.history('resp_1', ALICE), [...input, ...output]);
    });

    test('begin refuses an id that exists, whoever owns it, and keeps the first', async () => {
      const first = responseFixture('resp_1');
      await store.begin(first, [userItem('u1', 'first')], ALICE);
      await assert.rejects(store.begin(responseFixture('resp_1', { model: 'other' }), [], BOB));
      await assert.rejects(store.begin(responseFixture('resp_1', { model: 'other' }), [], ALICE));
      assert.deepEqual(await store.get('resp_1', ALICE), first);
      assert.equal(await store.get('resp_1', BOB), undefined);
    });

    test('finish records the final object and its output items, keeping the input', async () => {
      const done = await turn(1, null);
      assert.deepEqual(await store.get('resp_1', ALICE), done);
      assert.deepEqual(ids(await store.history('resp_1', ALICE)), ['u1', 'a1']);
      assert.deepEqual(ids((await store.inputItems('resp_1', ALICE, { limit: 20, order: 'asc' }))?.data), [
        'u1',
      ]);
    });

    test('begin writes a finished response at once: the object, its input and its output', async () => {
      const done = completedFixture(responseFixture('resp_1'), [assistantItem('a1', 'answer')]);
      await store.begin(done, [userItem('u1', 'question')], ALICE);
      assert.deepEqual(await store.get('resp_1', ALICE), done);
      assert.equal(await store.get('resp_1', BOB), undefined);
      assert.deepEqual(ids(await store.history('resp_1', ALICE)), ['u1', 'a1']);
      assert.deepEqual(ids((await store.inputItems('resp_1', ALICE, { limit: 20, order: 'asc' }))?.data), [
        'u1',
      ]);
      await assert.rejects(store.begin(done, [], BOB), 'an id that exists is refused');
    });

    test('finish replaces output items written before', async () => {
      const started = responseFixture('resp_1');
      await store.begin(started, [userItem('u1', 'hi')], ALICE);
      await store.finish(
        completedFixture(started, [assistantItem('a1', 'x'), assistantItem('a2', 'y')]),
        ALICE,
      );
      const final = completedFixture(started, [assistantItem('a3', 'z')]);
      await store.finish(final, ALICE);
      assert.deepEqual(ids(await store.history('resp_1', ALICE)), ['u1', 'a3']);
      assert.deepEqual(await store.get('resp_1', ALICE), final);
    });

    test('finish of an unknown response writes nothing', async () => {
      await store.finish(completedFixture(responseFixture('resp_gone'), [assistantItem('a1', 'x')]), ALICE);
      assert.equal(await store.get('resp_gone', ALICE), undefined);
      assert.equal(await store.history('resp_gone', ALICE), undefined);
    });

    test('every method is scoped to the owner', async () => {
      const started = responseFixture('resp_1');
      await store.begin(started, [userItem('u1', 'secret')], ALICE);
      assert.equal(await store.get('resp_1', BOB), undefined);
      assert.equal(await store.history('resp_1', BOB), undefined);
      assert.equal(await store.inputItems('resp_1', BOB, { limit: 20, order: 'desc' }), undefined);
      assert.equal(await store.delete('resp_1', BOB), false);
      await store.finish(completedFixture(started, [assistantItem('a1', 'leak')]), BOB);
      assert.deepEqual(await store.get('resp_1', ALICE), started);
      assert.deepEqual(ids(await store.history('resp_1', ALICE)), ['u1']);
    });

    test('history does not follow a chain into another owner', async () => {
      await turn(1, null, ALICE);
      await turn(2, 'resp_1', BOB);
      assert.deepEqual(ids(await store.history('resp_2', BOB)), ['u2', 'a2']);
    });

    test('history of a 3-turn chain: oldest first, inputs before outputs', async () => {
      await turn(1, null);
      await turn(2, 'resp_1');
      const started = responseFixture('resp_3', { previous_response_id: 'resp_2' });
      await store.begin(started, [userItem('u3a', 'part one'), userItem('u3b', 'part two')], ALICE);
      assert.deepEqual(ids(await store.history('resp_3', ALICE)), ['u1', 'a1', 'u2', 'a2', 'u3a', 'u3b']);
      const output = [assistantItem('a3a', 'x'), assistantItem('a3b', 'y')];
      await store.finish(completedFixture(started, output), ALICE);
      const history = await store.history('resp_3', ALICE);
      assert.deepEqual(ids(history), ['u1', 'a1', 'u2', 'a2', 'u3a', 'u3b', 'a3a', 'a3b']);
      assert.deepEqual(history?.[1], assistantItem('a1', 'answer 1'));
      assert.deepEqual(ids(await store.history('resp_2', ALICE)), ['u1', 'a1', 'u2', 'a2']);
      assert.deepEqual(ids(await store.history('resp_1', ALICE)), ['u1', 'a1']);
    });

    test('history of a response without items is empty; of an unknown one, undefined', async () => {
      await store.begin(responseFixture('resp_1'), [], ALICE);
      assert.deepEqual(await store.history('resp_1', ALICE), []);
      assert.equal(await store.history('resp_unknown', ALICE), undefined);
    });

    test('history of a 200-turn chain', async () => {
      const expected: string[] = [];
      for (let n = 1; n <= 200; n++) {
        await turn(n, n === 1 ? null : `resp_${n - 1}`);
        expected.push(`u${n}`, `a${n}`);
      }
      assert.deepEqual(ids(await store.history('resp_200', ALICE)), expected);
      assert.deepEqual(ids(await store.history('resp_100', ALICE)), expected.slice(0, 200));
    });

    test('a deleted response in the middle ends the chain there', async () => {
      await turn(1, null);
      await turn(2, 'resp_1');
      await turn(3, 'resp_2');
      assert.equal(await store.delete('resp_2', ALICE), true);
      assert.deepEqual(ids(await store.history('resp_3', ALICE)), ['u3', 'a3']);
      assert.deepEqual(ids(await store.history('resp_1', ALICE)), ['u1', 'a1']);
    });

    test('items finds stored input and output items by id, for their owner only', async () => {
      await turn(1, null);
      await turn(2, 'resp_1');
      const found = await store.items(['u1', 'a2', 'nope'], ALICE);
      assert.deepEqual([...found.keys()].sort(), ['a2', 'u1']);
      assert.deepEqual(found.get('u1'), userItem('u1', 'question 1'));
      assert.deepEqual(found.get('a2'), assistantItem('a2', 'answer 2'));
      assert.equal((await store.items(['u1', 'a2'], BOB)).size, 0, "another owner's items are not found");
      assert.equal((await store.items([], ALICE)).size, 0);
      // An item sent again in a newer response is read from there.
      const again = { ...userItem('a1', 'sent again'), role: 'assistant' as const };
      await store.begin(responseFixture('resp_3', { created_at: 1_767_225_700 }), [again], ALICE);
      assert.deepEqual((await store.items(['a1'], ALICE)).get('a1'), again);
      // A response finished again with other output: its earlier output ids no longer find anything.
      const started = responseFixture('resp_4');
      await store.begin(started, [], ALICE);
      await store.finish(
        completedFixture(started, [assistantItem('b1', 'x'), assistantItem('b2', 'y')]),
        ALICE,
      );
      await store.finish(completedFixture(started, [assistantItem('b3', 'z')]), ALICE);
      assert.deepEqual([...(await store.items(['b1', 'b2', 'b3'], ALICE)).keys()], ['b3']);
      // A deleted response's items are gone with it.
      await store.delete('resp_2', ALICE);
      assert.equal((await store.items(['a2', 'u2'], ALICE)).size, 0);
    });

    test('delete removes the response and its items, once', async () => {
      await turn(1, null);
      await turn(2, null);
      assert.equal(await store.delete('resp_1', ALICE), true);
      assert.equal(await store.get('resp_1', ALICE), undefined);
      assert.equal(await store.history('resp_1', ALICE), undefined);
      assert.equal(await store.inputItems('resp_1', ALICE, { limit: 20, order: 'desc' }), undefined);
      assert.equal(await store.delete('resp_1', ALICE), false);
      assert.deepEqual(ids(await store.history('resp_2', ALICE)), ['u2', 'a2']);
      // The id is free again: a new response may take it, with none of the old items.
      await store.begin(responseFixture('resp_1'), [userItem('u9', 'new')], ALICE);
      assert.deepEqual(ids(await store.history('resp_1', ALICE)), ['u9']);
    });

    describe('inputItems', () => {
      beforeEach(async () => {
        const started = responseFixture('resp_1');
        const input = [1, 2, 3, 4, 5].map((n) => userItem(`i${n}`, `item ${n}`));
        await store.begin(started, input, ALICE);
        await store.finish(completedFixture(started, [assistantItem('a1', 'out')]), ALICE);
      });

      test('pages forwards with limit, after, has_more, first_id and last_id', async () => {
        const page1 = await store.inputItems('resp_1', ALICE, { limit: 2, order: 'asc' });
        assert.deepEqual(page1, {
          object: 'list',
          data: [userItem('i1', 'item 1'), userItem('i2', 'item 2')],
          has_more: true,
          first_id: 'i1',
          last_id: 'i2',
        });
        const page2 = await store.inputItems('resp_1', ALICE, { limit: 2, order: 'asc', after: 'i2' });
        assert.deepEqual(
          [ids(page2?.data), page2?.has_more, page2?.first_id, page2?.last_id],
          [['i3', 'i4'], true, 'i3', 'i4'],
        );
        const page3 = await store.inputItems('resp_1', ALICE, { limit: 2, order: 'asc', after: 'i4' });
        assert.deepEqual([ids(page3?.data), page3?.has_more, page3?.last_id], [['i5'], false, 'i5']);
      });

      test('pages backwards in desc order', async () => {
        const page1 = await store.inputItems('resp_1', ALICE, { limit: 2, order: 'desc' });
        assert.deepEqual(
          [ids(page1?.data), page1?.has_more, page1?.first_id, page1?.last_id],
          [['i5', 'i4'], true, 'i5', 'i4'],
        );
        const page2 = await store.inputItems('resp_1', ALICE, { limit: 2, order: 'desc', after: 'i4' });
        assert.deepEqual(ids(page2?.data), ['i3', 'i2']);
        const page3 = await store.inputItems('resp_1', ALICE, { limit: 2, order: 'desc', after: 'i2' });
        assert.deepEqual([ids(page3?.data), page3?.has_more], [['i1'], false]);
      });

      test('a limit that covers everything has no more; input items only', async () => {
        const page = await store.inputItems('resp_1', ALICE, { limit: 5, order: 'asc' });
        assert.deepEqual([ids(page?.data), page?.has_more], [['i1', 'i2', 'i3', 'i4', 'i5'], false]);
        const all = await store.inputItems('resp_1', ALICE, { limit: 100, order: 'desc' });
        assert.deepEqual(ids(all?.data), ['i5', 'i4', 'i3', 'i2', 'i1']);
      });

      test('after the last item, the page is empty', async () => {
        const page = await store.inputItems('resp_1', ALICE, { limit: 3, order: 'asc', after: 'i5' });
        assert.deepEqual(page, { object: 'list', data: [], has_more: false, first_id: null, last_id: null });
      });

      test('an `after` that is not one of its input items is a 400 on `after`', async () => {
        for (const after of ['i_missing', 'a1']) {
          await assert.rejects(
            store.inputItems('resp_1', ALICE, { limit: 3, order: 'asc', after }),
            (error: unknown) => error instanceof ApiError && error.status === 400 && error.param === 'after',
          );
        }
      });

      test('a response without input items lists nothing', async () => {
        await store.begin(responseFixture('resp_2'), [], ALICE);
        const page = await store.inputItems('resp_2', ALICE, { limit: 20, order: 'desc' });
        assert.deepEqual(page, { object: 'list', data: [], has_more: false, first_id: null, last_id: null });
      });
    });

    test('reopening keeps everything', async (t) => {
      const reopen = handle.reopen;
      if (reopen === undefined) return t.skip(`${name} cannot be reopened`);
      const done = await turn(1, null);
      const started = responseFixture('resp_2', { previous_response_id: 'resp_1' });
      await store.begin(started, [userItem('u2', 'still there?')], ALICE);
      await handle.stores.close();
      store = (await reopen()).responses;
      assert.deepEqual(await store.get('resp_1', ALICE), done);
      assert.deepEqual(await store.get('resp_2', ALICE), started);
      assert.deepEqual(ids(await store.history('resp_2', ALICE)), ['u1', 'a1', 'u2']);
      const page = await store.inputItems('resp_1', ALICE, { limit: 20, order: 'desc' });
      assert.deepEqual(ids(page?.data), ['u1']);
    });

    const INTERRUPTED = {
      code: 'server_error',
      message: 'The response was interrupted by a server restart before it finished.',
    };

    test('recoverInterrupted fails the unfinished work of an instance without a lease, for every owner, once; background ones are left to their lease', async () => {
      const dead = await handle.sibling('inst_dead');
      const running = responseFixture('resp_running');
      const queued = responseFixture('resp_queued', { status: 'queued' });
      const background = responseFixture('resp_background', { background: true });
      await dead.responses.begin(running, [userItem('u1', 'x')], ALICE);
      await dead.responses.begin(queued, [], BOB);
      await dead.responses.begin(background, [], BOB);
      const done = await turn(3, null);
      assert.equal(await store.recoverInterrupted(), 2);
      assert.deepEqual(await store.get('resp_running', ALICE), {
        ...running,
        status: 'failed',
        error: INTERRUPTED,
      });
      assert.deepEqual(await store.get('resp_queued', BOB), {
        ...queued,
        status: 'failed',
        error: INTERRUPTED,
      });
      assert.deepEqual(await store.get('resp_background', BOB), background);
      assert.deepEqual(await store.get('resp_3', ALICE), done);
      assert.deepEqual(ids(await store.history('resp_running', ALICE)), ['u1']);
      assert.equal(await store.recoverInterrupted(), 0);
      assert.equal(await dead.responses.recoverInterrupted(), 0);
    });

    test("recovery never touches a live instance's work, nor its own; a lapsed or released lease gives it up", async () => {
      const now = Date.now();
      const live = await handle.sibling('inst_live');
      await live.instances.renew('inst_live', now, now + 60_000);
      await handle.stores.instances.renew(handle.stores.instance, now, now + 60_000);
      await live.responses.begin(responseFixture('resp_live'), [], ALICE);
      await store.begin(responseFixture('resp_own'), [], ALICE);
      assert.equal(await store.recoverInterrupted(), 0);
      assert.equal(await live.responses.recoverInterrupted(), 0);
      assert.equal((await store.get('resp_live', ALICE))?.status, 'in_progress');
      assert.equal((await store.get('resp_own', ALICE))?.status, 'in_progress');
      // The live instance stops renewing: once its lease runs out, its work is another's to fail.
      await live.instances.renew('inst_live', now - 60_000, now - 1);
      assert.equal(await store.recoverInterrupted(), 1);
      assert.equal((await store.get('resp_live', ALICE))?.status, 'failed');
      assert.equal((await store.get('resp_own', ALICE))?.status, 'in_progress');
      // A clean shutdown releases the lease at once.
      const other = await handle.sibling('inst_other');
      await other.instances.renew('inst_other', now, now + 60_000);
      await other.responses.begin(responseFixture('resp_other'), [], BOB);
      assert.equal(await store.recoverInterrupted(), 0);
      await other.instances.release('inst_other');
      assert.equal(await store.recoverInterrupted(), 1);
      assert.equal((await store.get('resp_other', BOB))?.status, 'failed');
    });

    test('instances: renewed leases are live until they expire, oldest first; released ones are gone', async () => {
      const instances = handle.stores.instances;
      assert.match(handle.stores.instance, /^inst_[0-9a-f]{16}$/);
      await instances.renew('inst_b', 2000, 10_000);
      await instances.renew('inst_a', 1000, 5000);
      assert.deepEqual(await instances.live(3000), [
        { id: 'inst_a', startedAt: 1000, renewedAt: 1000, expiresAt: 5000 },
        { id: 'inst_b', startedAt: 2000, renewedAt: 2000, expiresAt: 10_000 },
      ]);
      await instances.renew('inst_a', 4000, 20_000);
      assert.deepEqual(await instances.live(12_000), [
        { id: 'inst_a', startedAt: 1000, renewedAt: 4000, expiresAt: 20_000 },
      ]);
      await instances.release('inst_a');
      await instances.release('inst_unknown');
      assert.deepEqual(await instances.live(0), [
        { id: 'inst_b', startedAt: 2000, renewedAt: 2000, expiresAt: 10_000 },
      ]);
    });
  });
}
