import { silentLogger, type Logger } from '../logger.ts';
import { PostgresDatabase } from './postgres-connection.ts';
import { PostgresBackgroundStore } from './postgres-background-store.ts';
import { PostgresBatchStore } from './postgres-batch-store.ts';
import { BATCH_MIGRATIONS } from './batch-migrations.ts';
import { PostgresCacheStore } from './postgres-cache-store.ts';
import { POSTGRES_CONTEXT_MIGRATIONS } from './postgres-context-migrations.ts';
import { PostgresConversationStore } from './postgres-conversation-store.ts';
import { PostgresContainerStore } from './postgres-container-store.ts';
import { POSTGRES_CONTAINER_MIGRATIONS } from './container-migrations.ts';
import { POSTGRES_FILE_MIGRATIONS } from './file-migrations.ts';
import { POSTGRES_GATEWAY_MIGRATIONS } from './postgres-gateway-migrations.ts';
import { PostgresGatewayStore } from './postgres-gateway-store.ts';
import { PostgresRouteHistoryStore } from './postgres-route-history-store.ts';
import { POSTGRES_ROUTE_HISTORY_MIGRATIONS } from './route-history-migrations.ts';
import { PostgresProviderConfigStore } from './postgres-provider-config-store.ts';
import { POSTGRES_PROVIDER_CONFIG_MIGRATIONS } from './provider-config-migrations.ts';
import { PostgresPromptStore } from './postgres-prompt-store.ts';
import { POSTGRES_PROMPT_MIGRATIONS } from './prompt-migrations.ts';
import { PostgresFileStore } from './postgres-file-store.ts';
import { PostgresVectorStoreStore } from './postgres-vector-store-store.ts';
import { POSTGRES_VECTOR_STORE_MIGRATIONS } from './vector-store-migrations.ts';
import { PostgresKeyStore } from './postgres-key-store.ts';
import { PostgresLogStore } from './postgres-log-store.ts';
import { migratePostgres } from './postgres-migrations.ts';
import { INSTANCE_MIGRATIONS } from './instance-migrations.ts';
import { newInstanceId } from './instance-store.ts';
import { PostgresInstanceStore } from './postgres-instance-store.ts';
import { POSTGRES_RESPONSE_MIGRATIONS } from './postgres-response-migrations.ts';
import { PostgresResponseStore } from './postgres-store.ts';
import type { Stores } from './stores.ts';

export interface PostgresStoresOptions {
  /** `postgres://user@host:5432/database`. */
  url: string;
  /** The schema that holds Portico's tables (created when missing); default the connection's search_path. */
  schema?: string;
  /** Connections in the pool; default 10. */
  maxConnections?: number;
  /** Milliseconds since the epoch, for bookkeeping columns such as `updated_at`. */
  clock?: () => number;
  logger?: Logger;
  /** This process's instance id; default a new random one. */
  instance?: string;
}

/**
 * The backend for several replicas: every store on one PostgreSQL database through one pool,
 * each store's tables migrated to its latest version before the stores are handed out.
 */
export async function openPostgresStores(options: PostgresStoresOptions): Promise<Stores> {
  const db = await PostgresDatabase.open({
    url: options.url,
    logger: options.logger ?? silentLogger,
    ...(options.schema !== undefined ? { schema: options.schema } : {}),
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
  });
  try {
    // Instances first: the responses store's recovery reads their leases.
    await migratePostgres(db.pool, 'instances', INSTANCE_MIGRATIONS);
    await migratePostgres(db.pool, 'responses', POSTGRES_RESPONSE_MIGRATIONS);
    for (const [component, migrations] of Object.entries(POSTGRES_GATEWAY_MIGRATIONS))
      await migratePostgres(db.pool, component, migrations);
    for (const [component, migrations] of Object.entries(POSTGRES_CONTEXT_MIGRATIONS))
      await migratePostgres(db.pool, component, migrations);
    await migratePostgres(db.pool, 'containers', POSTGRES_CONTAINER_MIGRATIONS);
    await migratePostgres(db.pool, 'files', POSTGRES_FILE_MIGRATIONS);
    await migratePostgres(db.pool, 'vector_stores', POSTGRES_VECTOR_STORE_MIGRATIONS);
    await migratePostgres(db.pool, 'batches', BATCH_MIGRATIONS);
    await migratePostgres(db.pool, 'route_history', POSTGRES_ROUTE_HISTORY_MIGRATIONS);
    await migratePostgres(db.pool, 'provider_configs', POSTGRES_PROVIDER_CONFIG_MIGRATIONS);
    await migratePostgres(db.pool, 'prompts', POSTGRES_PROMPT_MIGRATIONS);
  } catch (error) {
    await db.close();
    throw error;
  }
  let closed = false;
  const instance = options.instance ?? newInstanceId();
  const clock = options.clock ?? Date.now;
  const responses = new PostgresResponseStore(db, clock, instance);
  const routes = new PostgresRouteHistoryStore(db);
  return {
    instance,
    instances: new PostgresInstanceStore(db),
    responses,
    conversations: new PostgresConversationStore(db, responses),
    background: new PostgresBackgroundStore(db, responses, clock),
    batches: new PostgresBatchStore(db),
    containers: new PostgresContainerStore(db),
    files: new PostgresFileStore(db, clock),
    vectorStores: new PostgresVectorStoreStore(db, clock, instance),
    prompts: new PostgresPromptStore(db),
    keys: new PostgresKeyStore(db),
    gateways: new PostgresGatewayStore(db, routes),
    routes,
    providerConfigs: new PostgresProviderConfigStore(db),
    logs: new PostgresLogStore(db),
    cache: new PostgresCacheStore(db),
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}
