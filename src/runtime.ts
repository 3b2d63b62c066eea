import { delimiter, resolve } from 'node:path';
import { Catalog } from './catalog/catalog.ts';
import { loadConfig } from './config/load-config.ts';
import type { EngineContext } from './engine/create-response.ts';
import { randomId, type IdGenerator } from './engine/ids.ts';
import { silentLogger, type Logger } from './logger.ts';
import { listLocalModels } from './providers/local/list-local-models.ts';
import { LocalProvider } from './providers/local/local-provider.ts';
import type { Provider } from './providers/provider.ts';
import { createUpstreams } from './providers/registry.ts';
import type { Owner } from './store/owner.ts';
import { openStores } from './store/open-stores.ts';
import type { Stores } from './store/stores.ts';
import { WorkTracker } from './work-tracker.ts';

export interface RuntimeOptions {
  /** Where SQLite state lives; default `PORTICO_DATA_DIR` or `./.portico`. Unused when `PORTICO_DATABASE_URL` names PostgreSQL. */
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
  /** The generations running now: a graceful shutdown waits for them, then stops the rest. */
  work: WorkTracker;
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
    (await openStores({ env, clock: now, logger, ...(options.dataDir ? { dataDir: options.dataDir } : {}) }));
  const store = stores.responses;
  const interrupted = await store.recoverInterrupted();
  if (interrupted > 0)
    logger.warn('responses interrupted by the last shutdown were marked failed', { count: interrupted });

  const work = new WorkTracker();
  return {
    catalog,
    stores,
    logger,
    work,
    engine: (owner) => ({
      work,
      catalog,
      store,
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
