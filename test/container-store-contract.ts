import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import type { ContainerFileObject, ContainerObject, ContainerStore } from '../src/store/container-store.ts';
import type { StoreUnderTest } from './store-contract.ts';

const ALICE = 'proj_alice';
const BOB = 'proj_bob';

function container(id: string, at = 1_767_225_600, minutes = 20): ContainerObject {
  return {
    id,
    object: 'container',
    name: `box ${id}`,
    created_at: at,
    last_active_at: at,
    status: 'running',
    expires_after: { anchor: 'last_active_at', minutes },
    memory_limit: '1g',
  };
}

function file(
  id: string,
  containerId: string,
  path: string,
  bytes: number,
  at = 1_767_225_700,
): ContainerFileObject {
  return {
    id,
    object: 'container.file',
    container_id: containerId,
    path,
    bytes,
    created_at: at,
    source: 'user',
  };
}

/** The behaviour every ContainerStore backend owes; each test gets a fresh, empty store. */
export function describeContainerStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`ContainerStore contract: ${name}`, () => {
    let handle: StoreUnderTest;
    let store: ContainerStore;
    beforeEach(async () => {
      handle = await open();
      store = handle.stores.containers;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    test('a container is its owner’s alone', async () => {
      await store.create(container('cntr_a'), ALICE);
      assert.deepEqual(await store.get('cntr_a', ALICE), container('cntr_a'));
      assert.equal(await store.get('cntr_a', BOB), undefined);
      assert.equal(await store.delete('cntr_a', BOB), false);
      assert.equal(await store.touch('cntr_a', BOB, 1), false);
      assert.equal(
        await store.putFile(file('cfile_1', 'cntr_a', '/mnt/data/x', 1), Buffer.from('x'), BOB),
        false,
      );
      assert.equal((await store.list(BOB, { limit: 10, order: 'asc' })).data.length, 0);
      assert.equal(await store.delete('cntr_a', ALICE), true);
      assert.equal(await store.get('cntr_a', ALICE), undefined);
    });

    test('lists page in both orders', async () => {
      for (const [index, id] of ['cntr_1', 'cntr_2', 'cntr_3'].entries())
        await store.create(container(id, 1_767_225_600 + index), ALICE);
      const first = await store.list(ALICE, { limit: 2, order: 'asc' });
      assert.deepEqual(
        first.data.map((entry) => entry.id),
        ['cntr_1', 'cntr_2'],
      );
      assert.equal(first.has_more, true);
      const rest = await store.list(ALICE, { limit: 2, order: 'asc', after: 'cntr_2' });
      assert.deepEqual(
        rest.data.map((entry) => entry.id),
        ['cntr_3'],
      );
      assert.equal(rest.has_more, false);
      const newest = await store.list(ALICE, { limit: 1, order: 'desc' });
      assert.equal(newest.first_id, 'cntr_3');
      // A cursor that is unknown, or another owner's, is a 400 naming it.
      await store.create(container('cntr_b', 1_767_225_600 + 9), BOB);
      for (const after of ['cntr_missing', 'cntr_1'])
        await assert.rejects(
          store.list(BOB, { limit: 10, order: 'asc', after }),
          (error: unknown) => error instanceof ApiError && error.status === 400 && error.param === 'after',
        );
    });

    test('files: put, replace by path, read, list, delete', async () => {
      await store.create(container('cntr_f'), ALICE);
      assert.equal(
        await store.putFile(file('cfile_1', 'cntr_f', '/mnt/data/a.csv', 3), Buffer.from('a,b'), ALICE),
        true,
      );
      await store.putFile(
        file('cfile_2', 'cntr_f', '/mnt/data/b.txt', 2, 1_767_225_701),
        Buffer.from('hi'),
        ALICE,
      );
      // The same path again replaces the file under a new id.
      await store.putFile(
        file('cfile_3', 'cntr_f', '/mnt/data/a.csv', 5, 1_767_225_702),
        Buffer.from('a,b,c'),
        ALICE,
      );
      assert.equal(await store.getFile('cntr_f', 'cfile_1', ALICE), undefined);
      assert.deepEqual(
        await store.getFile('cntr_f', 'cfile_3', ALICE),
        file('cfile_3', 'cntr_f', '/mnt/data/a.csv', 5, 1_767_225_702),
      );
      assert.equal((await store.fileContent('cntr_f', 'cfile_3', ALICE))?.toString(), 'a,b,c');
      assert.equal(await store.fileContent('cntr_f', 'cfile_3', BOB), undefined);
      const listed = await store.listFiles('cntr_f', ALICE, { limit: 10, order: 'asc' });
      assert.deepEqual(
        listed?.data.map((entry) => entry.path),
        ['/mnt/data/b.txt', '/mnt/data/a.csv'],
      );
      assert.equal(await store.listFiles('cntr_f', BOB, { limit: 10, order: 'asc' }), undefined);
      const all = await store.allFiles('cntr_f', ALICE);
      assert.deepEqual(
        await Promise.all(
          all.map(async (entry) => [
            entry.path,
            (await store.fileContent('cntr_f', entry.id, ALICE))?.toString(),
          ]),
        ),
        [
          ['/mnt/data/b.txt', 'hi'],
          ['/mnt/data/a.csv', 'a,b,c'],
        ],
      );
      assert.deepEqual(await store.allFiles('cntr_f', BOB), []);
      assert.equal(await store.deleteFile('cntr_f', 'cfile_2', BOB), false);
      assert.equal(await store.deleteFile('cntr_f', 'cfile_2', ALICE), true);
      assert.equal((await store.allFiles('cntr_f', ALICE)).length, 1);
      await store.delete('cntr_f', ALICE);
      assert.equal((await store.allFiles('cntr_f', ALICE)).length, 0, 'files go with their container');
    });

    test('containers idle past their expiry expire and lose their files; a use postpones it', async () => {
      const start = 1_767_225_600;
      await store.create(container('cntr_idle', start, 1), ALICE);
      await store.create(container('cntr_used', start, 1), ALICE);
      await store.putFile(file('cfile_i', 'cntr_idle', '/mnt/data/x', 1), Buffer.from('x'), ALICE);
      assert.equal(await store.touch('cntr_used', ALICE, start + 50), true);
      assert.deepEqual(await store.expire(start + 61), ['cntr_idle']);
      assert.equal((await store.get('cntr_idle', ALICE))?.status, 'expired');
      assert.equal((await store.get('cntr_used', ALICE))?.status, 'running');
      assert.equal((await store.allFiles('cntr_idle', ALICE)).length, 0);
      assert.equal(
        await store.touch('cntr_idle', ALICE, start + 62),
        false,
        'an expired container stays expired',
      );
      assert.equal(
        await store.putFile(file('cfile_late', 'cntr_idle', '/mnt/data/y', 1), Buffer.from('y'), ALICE),
        false,
      );
    });
  });
}
