import { GatewayAdmin } from './gateway/gateway-admin.ts';
import { delimiter, resolve } from 'node:path';
import type { CompactRequest } from './api/compact.ts';
import type { CreateResponseRequest } from './api/request.ts';
import type { CatalogModel } from './catalog/catalog-model.ts';
import { Catalog, type StoredKeyProvider } from './catalog/catalog.ts';
import { withAliases } from './catalog/with-aliases.ts';
import { loadConfig } from './config/load-config.ts';
import type { BackgroundResponses } from './background/background-responses.ts';
import { startBackground } from './background/start-background.ts';
import { Batches } from './formats/workers-ai/batches.ts';
import type { EngineContext } from './engine/engine-context.ts';
import { randomId, type IdGenerator } from './engine/ids.ts';
import { compactResponse, type CompactResource } from './engine/compact-response.ts';
import { countInputTokens } from './engine/count-input-tokens.ts';
import { KeyedLock, type KeyedLocks } from './engine/keyed-lock.ts';
import { createGateway, type Gateway } from './gateway/create-gateway.ts';
import type { MetricsSnapshot } from './gateway/metrics.ts';
import type { RateLimiter } from './gateway/rate-limiter.ts';
import { unknownRouteModels } from './gateway/route-models.ts';
import { silentLogger, type Logger } from './logger.ts';
import { listLocalModels } from './providers/local/list-local-models.ts';
import { LocalProvider } from './providers/local/local-provider.ts';
import { storedModels } from './providers/local/model-stores.ts';
import type { Provider } from './providers/provider.ts';
import { createUpstreams } from './providers/registry.ts';
import type { Owner } from './store/owner.ts';
import { openStores } from './store/open-stores.ts';
import { PromptAdmin } from './store/prompt-admin.ts';
import type { Stores } from './store/stores.ts';
import { WorkTracker } from './work-tracker.ts';
import { Embedder } from './retrieval/embedder.ts';
import { ConfigError } from './config/config-error.ts';
import { VectorStoreService } from './retrieval/vector-store-service.ts';
import { hostedToolsFactory } from './tools/tool-registry.ts';
import { toolModules } from './tools/tool-modules.ts';
import { Containers } from './tools/code-interpreter/containers.ts';
import { InterpreterPool, type Interpreters } from './tools/code-interpreter/interpreters.ts';
import { guardedFetch } from './tools/network/guarded-fetch.ts';
import { operatorFetch } from './tools/network/operator-fetch.ts';
import { InstanceHeartbeat } from './instance-heartbeat.ts';
import { openRedisState, type RedisState } from './gateway/open-redis-state.ts';
import { positiveNumber } from './config/env-number.ts';
import { ProviderConfigAdmin } from './gateway/provider-config-admin.ts';
import { ProviderKeys } from './gateway/provider-keys.ts';
import { SecretBox } from './gateway/secret-box.ts';
import type { UpstreamPost } from './providers/http/upstream-post.ts';

const DEFAULT_LEASE_MS = 30_000;

export interface RuntimeOptions {
  /** Where SQLite state lives; default `PORTICO_DATA_DIR` or `./.portico`. Unused when `PORTICO_DATABASE_URL` names PostgreSQL. */
  dataDir?: string;
  /** The stores to use instead of opening SQLite in `dataDir`; the runtime closes them. */
  stores?: Stores;
  /** Folders of `.gguf` files; default `PORTICO_MODELS_DIR` (a path list) or `./models`. */
  modelsDirs?: string[];
  /** A JSON or YAML config file; default `PORTICO_CONFIG`. */
  configPath?: string;
  /** The config itself, as the file would hold it (wins over `configPath`). */
  config?: unknown;
  env?: NodeJS.ProcessEnv;
  /** How providers reach their upstreams; default undici's pooled `request`. */
  post?: UpstreamPost;
  logger?: Logger;
  newId?: IdGenerator;
  now?: () => number;
  /** Rate-limit counters; default Redis when `PORTICO_REDIS_URL` is set, else in this process. */
  rateLimiter?: RateLimiter;
  /** How long this instance's lease holds without renewal; default `PORTICO_INSTANCE_LEASE_MS` or 30 s. */
  instanceLeaseMs?: number;
  /**
   * Mark responses whose instance died as failed (default true): at start, then on every lease
   * renewal. Commands that only read or manage keys beside a running server turn it off.
   */
  recover?: boolean;
  /** Providers given in code, by id, with the models they serve (beside those found and configured). */
  providers?: ReadonlyMap<string, Provider>;
  models?: readonly CatalogModel[];
  /** Background responses: workers per model, lease length, and whether this process runs them at all. */
  background?: BackgroundOptions;
  /** Where the code interpreter's Python runs; default processes of this one's (`--workers N`: the primary's). */
  interpreters?: Interpreters;
  /** The locks that make responses on one conversation take turns; default this process's (`--workers N`: the primary's). */
  conversationLocks?: KeyedLocks;
  /** What `/metrics` reads; default this process's counts (`--workers N`: every worker's, gathered by the primary). */
  metricsSnapshots?: () => Promise<MetricsSnapshot[]>;
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
  /** The one way to a model: every entry point runs its requests through it. */
  gateway: Gateway;
  /** The provider keys stored per gateway (BYOK), for the admin APIs. */
  providerConfigs: ProviderConfigAdmin;
  /** Making, changing and deleting gateways, for every admin surface (/v1/gateways, Cloudflare's, the CLI). */
  gatewayAdmin: GatewayAdmin;
  /** Browser origins allowed by CORS; undefined: loopback pages only. */
  corsOrigins: string[] | undefined;
  /** The generations running now: a graceful shutdown waits for them, then stops the rest. */
  work: WorkTracker;
  /** Queue, follow and cancel background responses. */
  background: BackgroundResponses;
  /** Workers AI batches (`queueRequest`), each request a background response. */
  batches: Batches;
  /** Counts a request's input tokens as its model would (`POST /v1/responses/input_tokens`). */
  inputTokens(
    request: CreateResponseRequest,
    owner: Owner,
    signal: AbortSignal,
    storedKeys?: StoredKeyProvider,
  ): Promise<{ object: 'response.input_tokens'; input_tokens: number }>;
  /**
   * Compacts a request's context into one `compaction` item (`POST /v1/responses/compact`).
   * `storedKeys`: the providers built with the gateway's stored keys (gateway.operate's).
   */
  compact(
    request: CompactRequest,
    owner: Owner,
    signal: AbortSignal,
    storedKeys?: StoredKeyProvider,
  ): Promise<CompactResource>;
  /** Embeddings from every embedding model (`/v1/embeddings`), and the vector stores' model. */
  embedder: Embedder;
  /** Files put in vector stores (read, chunked, embedded) and searched. */
  vectorStores: VectorStoreService;
  /** Code interpreter containers, for `/v1/containers` and the code_interpreter tool. */
  containers: Containers;
  /** Reusable prompts, for `/v1/prompts` and `portico prompts`. */
  prompts: PromptAdmin;
  /** Ids and the clock, for the objects routes create themselves (conversations). */
  newId: IdGenerator;
  now: () => number;
  /** The counts and memory of every process of the server, for `/metrics` (Metrics.render). */
  metricsSnapshots(): Promise<MetricsSnapshot[]>;
  close(): Promise<void>;
}

/** The model name `default_model` answers to. */
export const DEFAULT_MODEL_ALIAS = 'default';

/** The engine, resolving models to the providers built with a gateway's stored keys first. */
function withStoredKeys(engine: EngineContext, storedKeys: StoredKeyProvider | undefined): EngineContext {
  return storedKeys ? { ...engine, storedKeyProvider: storedKeys } : engine;
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
  const config = await loadConfig({
    ...(options.configPath ? { path: options.configPath } : {}),
    ...(options.config !== undefined ? { document: options.config } : {}),
    env,
  });
  const upstreams = createUpstreams(config, { ...(options.post ? { post: options.post } : {}), env, logger });

  const local = new LocalProvider({ ...config.local, logger });
  const providers = new Map<string, Provider>([
    ...upstreams.providers,
    ['local', local],
    ...(options.providers ?? new Map<string, Provider>()),
  ]);
  // Files in the models folders first: they win over a runner's model of the same name.
  const localModels = [
    ...listLocalModels(options.modelsDirs ?? defaultModelsDirs(env)),
    ...storedModels(env),
  ];
  const found = [...(options.models ?? []), ...localModels, ...upstreams.models];
  // `default_model` is the model called `default`: one name every client can be pointed at.
  const aliases = new Map(config.aliases);
  if (config.defaultModel) aliases.set(DEFAULT_MODEL_ALIAS, { model: config.defaultModel });
  const models = withAliases(found, aliases, logger);
  const catalog = new Catalog(models, providers, upstreams.unavailable);
  // Known only now that the local models are found: a vector-store model that names nothing is the config's error.
  if (config.embeddingModel !== undefined && !catalog.get(config.embeddingModel))
    throw new ConfigError(config.file ?? 'the config', [
      {
        path: 'vector_stores.embedding_model (or PORTICO_EMBEDDING_MODEL)',
        problem: `names no model: '${config.embeddingModel}' is not in the catalog`,
      },
    ]);
  // Likewise a route's model that names nothing.
  const routeIssues = [...config.gateways].flatMap(([id, gateway]) =>
    unknownRouteModels(gateway.routes ?? [], catalog).map((issue) => ({
      ...issue,
      path: `gateways.${id}.${issue.path}`,
    })),
  );
  if (routeIssues.length > 0) throw new ConfigError(config.file ?? 'the config', routeIssues);

  const stores =
    options.stores ??
    (await openStores({ env, clock: now, logger, ...(options.dataDir ? { dataDir: options.dataDir } : {}) }));
  const store = stores.responses;
  // Whatever opened before a failure is closed again: a runtime that did not start holds nothing.
  let redis: RedisState | undefined;
  let heartbeat: InstanceHeartbeat;
  let box: SecretBox;
  try {
    box = new SecretBox(env, stores.providerConfigs.secretsKeyFile);
    redis = await openRedisState(env, logger);
    heartbeat = await InstanceHeartbeat.start({
      stores,
      leaseMs:
        options.instanceLeaseMs ?? positiveNumber(env, 'PORTICO_INSTANCE_LEASE_MS') ?? DEFAULT_LEASE_MS,
      now,
      logger,
      recover: options.recover !== false,
    });
  } catch (error) {
    await redis?.close();
    await stores.close();
    throw error;
  }

  const rateLimiter = options.rateLimiter ?? redis?.rateLimiter;
  const work = new WorkTracker();
  const conversationLocks = options.conversationLocks ?? new KeyedLock();
  // URLs from requests reach only public addresses and the networks the config allows, checked at
  // every connection; URLs from the config are the operator's own, trusted wherever they point.
  const fetches = { clientFetch: guardedFetch(config.tools.allowedNetworks), operatorFetch: operatorFetch() };
  const containers = new Containers(
    stores.containers,
    options.interpreters ?? new InterpreterPool(config.tools.codeInterpreter, { now }),
    config.tools.codeInterpreter,
    newId,
    now,
    logger,
  );
  const tools = toolModules({ containers });
  const embedder = new Embedder(catalog, config.embeddingModel);
  const vectorStores = new VectorStoreService({ stores, embedder, newId, now, logger });
  const engine = (owner: Owner): EngineContext => ({
    work,
    catalog,
    store,
    conversations: stores.conversations,
    conversationLocks,
    files: stores.files,
    newId,
    now,
    owner,
    logger,
    dropUnsupported: config.dropUnsupported,
    maxGenerationMs: config.maxGenerationMs,
    hostedToolsPolicy: config.hostedTools,
    hostedTools: hostedToolsFactory(tools, {
      owner,
      stores,
      config: config.tools,
      ...fetches,
      newId,
      now,
      logger,
      vectorStores,
    }),
  });
  const providerKeys = new ProviderKeys(stores.providerConfigs, box, upstreams.withKey, now);
  const gateway = createGateway({
    providerKeys,
    catalog,
    stores,
    engineFor: engine,
    configured: config.gateways,
    logRetentionDays: config.logRetentionDays,
    logger,
    now,
    newId,
    ...(rateLimiter ? { rateLimiter } : {}),
    ...(redis ? { cache: redis.cache } : {}),
  });

  const providerConfigs = new ProviderConfigAdmin({
    store: stores.providerConfigs,
    box,
    keys: providerKeys,
    gateways: gateway.gateways,
    providerIds: upstreams.providerIds,
    newId,
    now,
  });

  const settings = options.background ?? {};
  const background = startBackground(
    {
      concurrency: settings.concurrency ?? positiveNumber(env, 'PORTICO_BACKGROUND_CONCURRENCY') ?? 2,
      leaseMs: settings.leaseMs ?? positiveNumber(env, 'PORTICO_BACKGROUND_LEASE_MS') ?? 30_000,
      // Commands that only read beside a running server leave its queue alone.
      run: settings.run ?? options.recover !== false,
    },
    { stores, engine, gateway, newId, now, logger, work },
  );

  return {
    catalog,
    stores,
    logger,
    gateway,
    providerConfigs,
    gatewayAdmin: new GatewayAdmin(gateway.gateways, stores.gateways, catalog, providerConfigs, (changed) =>
      gateway.trimLogs(changed),
    ),
    corsOrigins: config.corsOrigins,
    work,
    background: background.responses,
    batches: new Batches({
      background: background.responses,
      embedding: { gateway, embedder },
      batches: stores.batches,
      responses: store,
      newId,
      now,
    }),
    inputTokens: (request, owner, signal, storedKeys) =>
      countInputTokens(request, withStoredKeys(engine(owner), storedKeys), signal),
    compact: (request, owner, signal, storedKeys) =>
      compactResponse(request, withStoredKeys(engine(owner), storedKeys), signal),
    embedder,
    vectorStores,
    newId,
    now,
    containers,
    prompts: new PromptAdmin(stores.prompts, newId, now),
    metricsSnapshots: options.metricsSnapshots ?? (async () => [gateway.metrics.snapshot()]),
    async close() {
      containers.close();
      await background.runner.close();
      await gateway.close();
      await Promise.all([...providers.values()].map((provider) => provider.close?.()));
      await heartbeat.stop();
      await redis?.close();
      await stores.close();
    },
  };
}
