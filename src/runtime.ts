import { delimiter, resolve } from 'node:path';
import { Catalog } from './catalog/catalog.ts';
import { loadConfig } from './config/load-config.ts';
import type { BackgroundResponses } from './background/background-responses.ts';
import { startBackground } from './background/start-background.ts';
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
  /** Background responses: workers per model, lease length, and whether this process runs them at all. */
  background?: BackgroundOptions;
}

export interface BackgroundOptions {
  /** Background runs of one model this process runs at once; default `PORTICO_BACKGROUND_CONCURRENCY` or 2. */
  concurrency?: number;
  /** How long a run's claim holds without renewal; default `PORTICO_BACKGROUND_LEASE_MS` or 30 000. */
  leaseMs?: number;
  /** False: this process queues background responses but leaves running them to others (`portico run`). */
  run?: boolean;
}

/** Everything a request needs, built once per process and shared by the server, binding and CLI. */
export interface Runtime {
  catalog: Catalog;
  stores: Stores;
  logger: Logger;
  /** Queue, follow and cancel background responses. */
  background: BackgroundResponses;
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

  const engine = (owner: Owner): EngineContext => ({
    catalog,
    store,
    conversations: stores.conversations,
    conversationLocks,
    newId,
    now,
    owner,
    logger,
    dropUnsupported: config.dropUnsupported,
  });
  const settings = options.background ?? {};
  const background = startBackground(
    {
      concurrency: settings.concurrency ?? positive(env.PORTICO_BACKGROUND_CONCURRENCY) ?? 2,
      leaseMs: settings.leaseMs ?? positive(env.PORTICO_BACKGROUND_LEASE_MS) ?? 30_000,
      run: settings.run ?? true,
    },
    { stores, engine, newId, now, logger },
  );
  return {
    catalog,
    stores,
    logger,
    background: background.responses,
    engine,
    async close() {
      await background.runner.close();
      await Promise.all([...providers.values()].map((provider) => provider.close?.()));
      await stores.close();
    },
  };
}

function positive(value: string | undefined): number | undefined {
  const number = Number(value);
  return value !== undefined && Number.isInteger(number) && number > 0 ? number : undefined;
}
