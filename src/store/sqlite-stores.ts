import { join } from 'node:path';
import { SqliteCacheStore } from './sqlite-cache-store.ts';
import { DATABASE_FILE, openSqliteDatabase } from './sqlite-connection.ts';
import { SqliteBackgroundStore } from './sqlite-background-store.ts';
import { SqliteBatchStore } from './sqlite-batch-store.ts';
import { SqliteContainerStore } from './sqlite-container-store.ts';
import { SqliteConversationStore } from './sqlite-conversation-store.ts';
import { SqliteFileStore } from './sqlite-file-store.ts';
import { SqliteVectorStoreStore } from './sqlite-vector-store-store.ts';
import { SqliteGatewayStore } from './sqlite-gateway-store.ts';
import { SqliteRouteHistoryStore } from './sqlite-route-history-store.ts';
import { SqliteProviderConfigStore } from './sqlite-provider-config-store.ts';
import { SqlitePromptStore } from './sqlite-prompt-store.ts';
import { SECRETS_KEY_FILE } from './provider-config-store.ts';
import { SqliteGroupCommit, walFile } from './sqlite-group-commit.ts';
import { newInstanceId } from './instance-store.ts';
import { SqliteInstanceStore } from './sqlite-instance-store.ts';
import { SqliteKeyStore } from './sqlite-key-store.ts';
import { SqliteLogStore } from './sqlite-log-store.ts';
import { SqliteResponseStore } from './sqlite-store.ts';
import type { Stores } from './stores.ts';

export interface SqliteStoresOptions {
  /** The folder that holds `portico.db`; created when missing. */
  dataDir: string;
  /** Milliseconds since the epoch, for bookkeeping columns such as `updated_at`. */
  clock?: () => number;
  /** This process's instance id; default a new random one. */
  instance?: string;
}

/** The embedded backend: every store on one SQLite file (WAL journal, every commit synced to disk). */
export function openSqliteStores(options: SqliteStoresOptions): Stores {
  const db = openSqliteDatabase(options.dataDir);
  const clock = options.clock ?? Date.now;
  const instance = options.instance ?? newInstanceId();
  const commits = new SqliteGroupCommit(db, walFile(join(options.dataDir, DATABASE_FILE)));
  try {
    // Instances first: the responses store's recovery reads their leases.
    const instances = new SqliteInstanceStore(db, commits);
    const responses = new SqliteResponseStore(db, clock, instance, commits);
    const routes = new SqliteRouteHistoryStore(db, commits);
    return {
      instance,
      instances,
      responses,
      conversations: new SqliteConversationStore(db, responses, commits),
      background: new SqliteBackgroundStore(db, responses, clock, commits),
      batches: new SqliteBatchStore(db, commits),
      containers: new SqliteContainerStore(db, commits),
      files: new SqliteFileStore(db, clock, commits),
      vectorStores: new SqliteVectorStoreStore(db, clock, commits, instance),
      prompts: new SqlitePromptStore(db, commits),
      keys: new SqliteKeyStore(db, commits),
      gateways: new SqliteGatewayStore(db, commits, routes),
      routes,
      providerConfigs: new SqliteProviderConfigStore(db, commits, join(options.dataDir, SECRETS_KEY_FILE)),
      logs: new SqliteLogStore(db, commits),
      cache: new SqliteCacheStore(db, commits),
      async close() {
        await commits.close();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
