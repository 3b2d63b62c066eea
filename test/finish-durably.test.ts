import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import type { ResponseObject } from '../src/api/response.ts';
import { finishDurably } from '../src/engine/finish-durably.ts';
import { storeUnavailable } from '../src/store/store-unavailable.ts';
import type { ResponseStore } from '../src/store/response-store.ts';

const response = { id: 'resp_1', status: 'completed', output: [] } as unknown as ResponseObject;
const input: Item[] = [];

/** A store whose first `begin` commits, then loses the connection before it can say so. */
function lostAcknowledgement() {
  const rows = new Map<string, ResponseObject>();
  let records = 0;
  const store = {
    async begin(stored: ResponseObject) {
      records += 1;
      if (rows.has(stored.id)) throw new Error(`duplicate key value: ${stored.id}`);
      rows.set(stored.id, stored);
      if (records === 1) throw storeUnavailable('The database');
    },
    async get(id: string) {
      return rows.get(id);
    },
  } as unknown as ResponseStore;
  return { store, rows, records: () => records };
}

test('a whole record whose commit landed before the connection was lost is not written twice', async () => {
  const { store, rows, records } = lostAcknowledgement();
  await finishDurably(store, response, 'default', () => store.begin(response, input, 'default'));
  assert.equal(records(), 1);
  assert.equal(rows.get('resp_1')?.status, 'completed');
});

test('a whole record that did not land is written again once the store is back', async () => {
  let attempts = 0;
  const rows = new Map<string, ResponseObject>();
  const store = {
    async begin(stored: ResponseObject) {
      attempts += 1;
      if (attempts === 1) throw storeUnavailable('The database');
      rows.set(stored.id, stored);
    },
    async get(id: string) {
      return rows.get(id);
    },
  } as unknown as ResponseStore;
  await finishDurably(store, response, 'default', () => store.begin(response, input, 'default'));
  assert.equal(attempts, 2);
  assert.equal(rows.get('resp_1')?.status, 'completed');
});
