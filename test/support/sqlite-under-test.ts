import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../../src/store/sqlite-stores.ts';
import type { Stores } from '../../src/store/stores.ts';
import type { StoreUnderTest } from '../store-contract.ts';

/** Fresh SQLite stores in a temporary folder, for a contract suite: reopenable, removed on cleanup. */
export async function sqliteUnderTest(): Promise<StoreUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portico-sqlite-'));
  const opened: Stores[] = [openSqliteStores({ dataDir })];
  return {
    stores: opened[0]!,
    reopen: async () => {
      const stores = openSqliteStores({ dataDir });
      opened.push(stores);
      return stores;
    },
    sibling: async (instance) => {
      const stores = openSqliteStores({ dataDir, instance });
      opened.push(stores);
      return stores;
    },
    cleanup: async () => {
      for (const stores of opened) await stores.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
