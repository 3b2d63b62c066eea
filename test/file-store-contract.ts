import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api/errors.ts';
import type { FileObject, FileStore } from '../src/store/file-store.ts';
import type { StoreUnderTest } from './store-contract.ts';

const ALICE = 'proj_alice';
const BOB = 'proj_bob';
const NOW = Math.floor(Date.now() / 1000);

function file(id: string, extra: Partial<FileObject> = {}): FileObject {
  return {
    id,
    object: 'file',
    bytes: 5,
    created_at: NOW,
    filename: `${id}.txt`,
    purpose: 'assistants',
    status: 'processed',
    status_details: null,
    ...extra,
  };
}

const bytes = (text: string) => new TextEncoder().encode(text);
const ids = (files: readonly FileObject[]) => files.map((one) => one.id);

/** The behaviour every FileStore backend owes; each test gets a fresh, empty store. */
export function describeFileStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`FileStore contract: ${name}`, () => {
    let handle: StoreUnderTest;
    let store: FileStore;
    beforeEach(async () => {
      handle = await open();
      store = handle.stores.files;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    test('create, get, content and delete; every method scoped to the owner', async () => {
      const content = new Uint8Array([0, 255, 1, 2, 3]);
      await store.create(file('file_1'), content, ALICE);
      assert.deepEqual(await store.get('file_1', ALICE), file('file_1'));
      const read = await store.content('file_1', ALICE);
      assert.deepEqual([read?.file, [...read!.content]], [file('file_1'), [0, 255, 1, 2, 3]]);
      assert.equal(await store.get('file_1', BOB), undefined);
      assert.equal(await store.content('file_1', BOB), undefined);
      assert.equal(await store.delete('file_1', BOB), false);
      assert.deepEqual((await store.list(BOB, { limit: 10, order: 'desc' })).data, []);
      assert.equal(await store.delete('file_1', ALICE), true);
      assert.equal(await store.get('file_1', ALICE), undefined);
      assert.equal(await store.delete('file_1', ALICE), false);
    });

    test('a file of megabytes comes back byte for byte, and goes whole', async () => {
      const content = new Uint8Array(2.5 * 1024 * 1024).map((_, n) => (n * 7919) % 251);
      await store.create(file('file_big', { bytes: content.length }), content, ALICE);
      assert.equal((await store.get('file_big', ALICE))?.bytes, content.length);
      const read = await store.content('file_big', ALICE);
      assert.ok(read && Buffer.from(content).equals(read.content), 'the same bytes');
      assert.equal(await store.delete('file_big', ALICE), true);
      assert.equal(await store.content('file_big', ALICE), undefined);
    });

    test('a file past its expires_at is gone for every method', async () => {
      await store.create(file('file_old', { expires_at: NOW - 10 }), bytes('stale'), ALICE);
      await store.create(file('file_new', { expires_at: NOW + 3600 }), bytes('fresh'), ALICE);
      assert.equal(await store.get('file_old', ALICE), undefined);
      assert.equal(await store.content('file_old', ALICE), undefined);
      assert.equal(await store.delete('file_old', ALICE), false);
      assert.deepEqual(ids((await store.list(ALICE, { limit: 10, order: 'asc' })).data), ['file_new']);
      assert.equal((await store.get('file_new', ALICE))?.expires_at, NOW + 3600);
    });

    test('lists in pages in both orders, filtered by purpose', async () => {
      for (const n of [1, 2, 3, 4, 5])
        await store.create(file(`file_${n}`, { purpose: n % 2 ? 'assistants' : 'batch' }), bytes('x'), ALICE);
      await store.create(file('file_bob'), bytes('x'), BOB);
      const first = await store.list(ALICE, { limit: 2, order: 'asc' });
      assert.deepEqual(
        [ids(first.data), first.has_more, first.first_id, first.last_id],
        [['file_1', 'file_2'], true, 'file_1', 'file_2'],
      );
      const next = await store.list(ALICE, { limit: 2, order: 'asc', after: 'file_2' });
      assert.deepEqual(ids(next.data), ['file_3', 'file_4']);
      const desc = await store.list(ALICE, { limit: 10, order: 'desc' });
      assert.deepEqual(
        [ids(desc.data), desc.has_more],
        [['file_5', 'file_4', 'file_3', 'file_2', 'file_1'], false],
      );
      const batch = await store.list(ALICE, { limit: 10, order: 'desc', purpose: 'batch' });
      assert.deepEqual(ids(batch.data), ['file_4', 'file_2']);
      const after = await store.list(ALICE, {
        limit: 1,
        order: 'desc',
        after: 'file_4',
        purpose: 'assistants',
      });
      assert.deepEqual([ids(after.data), after.has_more], [['file_3'], true]);
      await assert.rejects(
        store.list(ALICE, { limit: 2, order: 'asc', after: 'file_bob' }),
        (error: unknown) => error instanceof ApiError && error.status === 400 && error.param === 'after',
      );
    });

    test('reopening keeps files and their bytes', async (t) => {
      const reopen = handle.reopen;
      if (reopen === undefined) return t.skip(`${name} cannot be reopened`);
      await store.create(file('file_1'), bytes('kept!'), ALICE);
      await handle.stores.close();
      store = (await reopen()).files;
      assert.equal((await store.content('file_1', ALICE))?.content.toString(), 'kept!');
    });
  });
}
