import { delimiter, resolve } from 'node:path';
import { Catalog } from './catalog/catalog.ts';
import { loadConfig } from './config/load-config.ts';
import type { EngineContext } from './engine/engine-context.ts';
import { randomId, type IdGenerator } from './engine/ids.ts';
import { KeyedLock } from './engine/keyed-lock.ts';
import { silentLogger, type Logger } from './logger.ts';
import { listLocalModels } from './providers/local/list-local-models.ts';
import { LocalProvider } from './providers/local/local-provider.ts';
import type { Provider } from './providers/provider.ts';
import { createUpstreams } from './providers/registry.ts';
import type { Owner } from './store/owner.ts';
import { openSqliteStores } from './store/sqlite-stores.ts';
import type { Stores } from './store/stores.ts';

export interface RuntimeOptions {
  /** Where state lives; default `PORTICO_DATA_DIR` or `./.portico`. */
  dataDir?: string;
  /** The stores to use instead of opening SQLite in `dataDir`; the runtime closes them. */
  stores?: Stores;
  /** Folders of `.gguf` files; default `PORTICO_MODELS_DIR` (a path list) or `./models`. */
  modelsDirs?: string[];
  /** A JSON or YAML config file; default `PORTICO_CONFIG`. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  logger?: Logger;
  newId?: IdGenerator;
  now?: () => number;
}

/** Everything a request needs, built once per process and shared by the server, binding and CLI. */
export interface Runtime {
  catalog: Catalog;
  stores: Stores;
  logger: Logger;
  /** The engine's view for one owner's request. */
  engine(owner: Owner): EngineContext;
  close(): Promise<void>;
}

export function defaultModelsDirs(env: NodeJS.ProcessEnv): string[] {
  const list = env.PORTICO_MODELS_DIR
    ? env.PORTICO_MODELS_DIR.split(delimiter).filter(Boolean)
    : ['./models'];
  return list.map((dir) => resolve(dir));
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  const newId = options.newId ?? randomId;
  const now = options.now ?? Date.now;
  const config = await loadConfig({ ...(options.configPath ? { path: options.configPath } : {}), env });
  const upstreams = createUpstreams(config, { fetch: options.fetch ?? fetch, env, logger });

  const local = new LocalProvider({ logger });
  const providers = new Map<string, Provider>([...upstreams.providers, ['local', local]]);
  const localModels = listLocalModels(options.modelsDirs ?? defaultModelsDirs(env));
  const catalog = new Catalog([...localModels, ...upstreams.models], providers, upstreams.unavailable);

  const stores =
    options.stores ??
    openSqliteStores({ dataDir: resolve(options.dataDir ?? env.PORTICO_DATA_DIR ?? '.portico'), clock: now });
  const store = stores.responses;
  const conversationLocks = new KeyedLock();
  const interrupted = await store.recoverInterrupted();
  if (interrupted > 0)
    logger.warn('responses interrupted by the last shutdown were marked failed', { count: interrupted });

  return {
    catalog,
    stores,
    logger,
    engine: (owner) => ({
      catalog,
      store,
      conversations: stores.conversations,
      conversationLocks,
      newId,
      now,
      owner,
      logger,
      dropUnsupported: config.dropUnsupported,
    }),
    async close() {
      await Promise.all([...providers.values()].map((provider) => provider.close?.()));
      await stores.close();
    },
  };
}
