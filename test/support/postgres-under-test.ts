import { openPostgresStores } from '../../src/store/postgres-stores.ts';
import type { Stores } from '../../src/store/stores.ts';
import type { StoreUnderTest } from '../store-contract.ts';
import { freshSchema, TEST_DATABASE_URL } from './postgres.ts';

/** PostgreSQL stores in a schema of their own, for a contract suite: reopenable, dropped on cleanup. */
export async function postgresUnderTest(): Promise<StoreUnderTest> {
  const { schema, drop } = await freshSchema();
  const opened: Stores[] = [await openPostgresStores({ url: TEST_DATABASE_URL, schema })];
  return {
    stores: opened[0]!,
    reopen: async () => {
      const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
      opened.push(stores);
      return stores;
    },
    sibling: async (instance) => {
      const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema, instance });
      opened.push(stores);
      return stores;
    },
    cleanup: async () => {
      for (const stores of opened) await stores.close();
      await drop();
    },
  };
}
