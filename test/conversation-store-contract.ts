import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api/errors.ts';
import type { Item } from '../src/api/items.ts';
import type { ConversationObject, ConversationStore } from '../src/store/conversation-store.ts';
import type { StoreUnderTest } from './store-contract.ts';
import { assistantItem, completedFixture, responseFixture, userItem } from './support/store-fixtures.ts';

const ALICE = 'proj_alice';
const BOB = 'proj_bob';

function conversation(id: string, metadata: Record<string, string> = {}): ConversationObject {
  return { id, object: 'conversation', metadata, created_at: 1_767_225_600 };
}

const ids = (items: readonly Item[] | undefined) => items?.map((item) => item.id);

/** The behaviour every ConversationStore backend owes; each test gets a fresh, empty store. */
export function describeConversationStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let handle: StoreUnderTest;
    let store: ConversationStore;
    beforeEach(async () => {
      handle = await open();
      store = handle.stores.conversations;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    test('create, get, update and delete; every method scoped to the owner', async () => {
      await store.create(conversation('conv_1', { topic: 'a' }), [userItem('u1', 'hi')], ALICE);
      assert.deepEqual(await store.get('conv_1', ALICE), conversation('conv_1', { topic: 'a' }));
      assert.equal(await store.get('conv_1', BOB), undefined);
      assert.equal(await store.update('conv_1', { topic: 'b' }, BOB), undefined);
      assert.deepEqual(
        await store.update('conv_1', { topic: 'b' }, ALICE),
        conversation('conv_1', { topic: 'b' }),
      );
      assert.equal(await store.append('conv_1', [userItem('x', 'leak')], BOB), false);
      assert.equal(await store.items('conv_1', BOB), undefined);
      assert.equal(await store.item('conv_1', 'u1', BOB), undefined);
      assert.equal(await store.deleteItem('conv_1', 'u1', BOB), false);
      assert.equal(await store.page('conv_1', BOB, { limit: 20, order: 'asc' }), undefined);
      assert.equal(await store.delete('conv_1', BOB), false);
      assert.deepEqual(ids(await store.items('conv_1', ALICE)), ['u1']);
      assert.equal(await store.delete('conv_1', ALICE), true);
      assert.equal(await store.get('conv_1', ALICE), undefined);
      assert.equal(await store.items('conv_1', ALICE), undefined);
      assert.equal(await store.delete('conv_1', ALICE), false);
    });

    test('append keeps order across calls; items are stored exactly as given', async () => {
      const reasoning: Item = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' };
      await store.create(conversation('conv_1'), [], ALICE);
      assert.equal(await store.append('conv_1', [userItem('u1', 'one'), reasoning], ALICE), true);
      assert.equal(await store.append('conv_1', [assistantItem('a1', 'two') as Item], ALICE), true);
      assert.equal(await store.append('conv_unknown', [userItem('u9', 'x')], ALICE), false);
      const items = await store.items('conv_1', ALICE);
      assert.deepEqual(items, [userItem('u1', 'one'), reasoning, assistantItem('a1', 'two')]);
    });

    test('concurrent appends never lose or interleave an item', async () => {
      await store.create(conversation('conv_1'), [], ALICE);
      await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          store.append('conv_1', [userItem(`u${n}`, 'q'), assistantItem(`a${n}`, 'a') as Item], ALICE),
        ),
      );
      const got = ids(await store.items('conv_1', ALICE))!;
      assert.equal(got.length, 40);
      for (let at = 0; at < 40; at += 2) assert.equal(got[at + 1], got[at]!.replace('u', 'a'));
    });

    test("a response's turn and its record are written together: both or neither", async () => {
      const responses = handle.stores.responses;
      await store.create(conversation('conv_1'), [], ALICE);
      const begun = responseFixture('resp_1');
      await responses.begin(begun, [userItem('u1', 'q')], ALICE);
      const done = completedFixture(begun, [assistantItem('a1', 'a')]);
      const nameless = { ...userItem('u1', 'q'), id: null } as unknown as Item;
      await assert.rejects(store.append('conv_1', [nameless], ALICE, { response: done }));
      assert.equal((await responses.get('resp_1', ALICE))?.status, 'in_progress', 'neither');
      assert.deepEqual(ids(await store.items('conv_1', ALICE)), []);
      const turn = [userItem('u1', 'q'), assistantItem('a1', 'a') as Item];
      assert.equal(await store.append('conv_1', turn, ALICE, { response: done }), true);
      assert.equal((await responses.get('resp_1', ALICE))?.status, 'completed', 'both');
      assert.deepEqual(ids(await store.items('conv_1', ALICE)), ['u1', 'a1']);
      // Not begun (a JSON answer): recorded whole, with its input; a conversation deleted
      // meanwhile keeps nothing, but the response is recorded all the same.
      const whole = completedFixture(responseFixture('resp_2'), [assistantItem('a2', 'b')]);
      const input = [userItem('u2', 'r')];
      assert.equal(await store.append('conv_gone', turn, ALICE, { response: whole, input }), false);
      assert.deepEqual(ids(await responses.history('resp_2', ALICE)), ['u2', 'a2']);
    });

    test('item and deleteItem find items by id', async () => {
      await store.create(conversation('conv_1'), [userItem('u1', 'one'), userItem('u2', 'two')], ALICE);
      assert.deepEqual(await store.item('conv_1', 'u2', ALICE), userItem('u2', 'two'));
      assert.equal(await store.item('conv_1', 'u9', ALICE), undefined);
      assert.equal(await store.deleteItem('conv_1', 'u1', ALICE), true);
      assert.equal(await store.deleteItem('conv_1', 'u1', ALICE), false);
      assert.deepEqual(ids(await store.items('conv_1', ALICE)), ['u2']);
    });

    test('pages in both orders with after, has_more, first_id and last_id', async () => {
      const items = [1, 2, 3, 4, 5].map((n) => userItem(`i${n}`, `item ${n}`));
      await store.create(conversation('conv_1'), items, ALICE);
      const page1 = await store.page('conv_1', ALICE, { limit: 2, order: 'asc' });
      assert.deepEqual(
        [ids(page1?.data), page1?.has_more, page1?.first_id, page1?.last_id],
        [['i1', 'i2'], true, 'i1', 'i2'],
      );
      const page2 = await store.page('conv_1', ALICE, { limit: 2, order: 'asc', after: 'i2' });
      assert.deepEqual(ids(page2?.data), ['i3', 'i4']);
      const last = await store.page('conv_1', ALICE, { limit: 2, order: 'asc', after: 'i4' });
      assert.deepEqual([ids(last?.data), last?.has_more], [['i5'], false]);
      const desc = await store.page('conv_1', ALICE, { limit: 3, order: 'desc' });
      assert.deepEqual([ids(desc?.data), desc?.has_more], [['i5', 'i4', 'i3'], true]);
      const rest = await store.page('conv_1', ALICE, { limit: 3, order: 'desc', after: 'i3' });
      assert.deepEqual([ids(rest?.data), rest?.has_more], [['i2', 'i1'], false]);
      await assert.rejects(
        store.page('conv_1', ALICE, { limit: 3, order: 'asc', after: 'nope' }),
        (error: unknown) => error instanceof ApiError && error.status === 400 && error.param === 'after',
      );
      await store.create(conversation('conv_2'), [], ALICE);
      assert.deepEqual(await store.page('conv_2', ALICE, { limit: 20, order: 'desc' }), {
        object: 'list',
        data: [],
        has_more: false,
        first_id: null,
        last_id: null,
      });
    });

    test('reopening keeps conversations and their items', async (t) => {
      const reopen = handle.reopen;
      if (reopen === undefined) return t.skip(`${name} cannot be reopened`);
      await store.create(conversation('conv_1', { k: 'v' }), [userItem('u1', 'kept')], ALICE);
      await store.append('conv_1', [assistantItem('a1', 'also kept') as Item], ALICE);
      await handle.stores.close();
      store = (await reopen()).conversations;
      assert.deepEqual(await store.get('conv_1', ALICE), conversation('conv_1', { k: 'v' }));
      assert.deepEqual(ids(await store.items('conv_1', ALICE)), ['u1', 'a1']);
    });
  });
}
