import type { ApiError } from '../api/errors.ts';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { ResponseObject } from '../api/response.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { EngineContext } from '../engine/create-response.ts';
import { failure } from '../engine/finish-status.ts';
import type { IdGenerator } from '../engine/ids.ts';
import type { Logger } from '../logger.ts';
import type { Owner } from '../store/owner.ts';
import type { CacheStore } from '../store/cache-store.ts';
import { CachedKeyStore } from '../store/cached-key-store.ts';
import type { Stores } from '../store/stores.ts';
import { authenticate, principalForToken } from './authenticate.ts';
import { authorizeModel } from './authorize-model.ts';
import { cache } from './cache.ts';
import { contentPolicies, scanRequestTexts } from './content-policies.ts';
import type { ScannedText } from './scanned-text.ts';
import { dlpPolicy } from './dlp-policy.ts';
import {
  admitted,
  compose,
  stepOptions,
  type GatewayAnswer,
  type GatewayCall,
  type GatewayContext,
} from './gateway-call.ts';
import { GatewayRegistry } from './gateway-registry.ts';
import { guardrailsPolicy } from './guardrails-policy.ts';
import { KeyAdmin } from './key-admin.ts';
import { LogAccess } from './log-access.ts';
import { logOperation, logRequest, type OperationAnswer, type OperationResult } from './log-request.ts';
import { LogWriter } from './log-writer.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import { Metrics } from './metrics.ts';
import type { Principal } from './principal.ts';
import { rateLimit } from './rate-limit.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { resolveGateway } from './resolve-gateway.ts';
import { resolvePrompts } from './resolve-prompts.ts';
import { retryAndFallback } from './retry-and-fallback.ts';
import { runEngine } from './run-engine.ts';
import { spendLimit } from './spend-limit.ts';
import type { ProviderKeys } from './provider-keys.ts';
import { storedKeys, type StoredKeyProvider } from './stored-keys.ts';
import { checkSpendRules } from './spend-rules.ts';

const HOUR_MS = 3_600_000;

/** What admission alone answers: no events, nothing to say. */
async function* noEvents(): AsyncGenerator<never, void, undefined> {}

export interface GatewayDeps {
  catalog: Catalog;
  stores: Stores;
  engineFor: (owner: Owner) => EngineContext;
  /** Gateways from the config file. */
  configured: ReadonlyMap<string, GatewaySettings>;
  /** Logs older than this many days are deleted; undefined keeps them. */
  logRetentionDays: number | undefined;
  logger: Logger;
  now: () => number;
  newId: IdGenerator;
  rateLimiter?: RateLimiter;
  /** A number in [0, 1), for dynamic routes' percentage elements; default Math.random. */
  random?: () => number;
  /** Where answers are cached; default the database's (`stores.cache`). */
  cache?: CacheStore;
  /** Provider keys stored per gateway (BYOK); without them every provider uses its configured key. */
  providerKeys?: ProviderKeys;
}

/** The one way to a model: every entry point hands its request to `run`. */
export interface Gateway {
  run(call: GatewayCall): Promise<GatewayAnswer>;
  /**
   * Everything `run` checks before any work (the key, the gateway, the model's scope, rate
   * and spend limits), for work that runs later: the principal and gateway it was admitted to.
   */
  admit(call: GatewayCall): Promise<{ principal: Principal; gateway: GatewaySettings }>;
  /**
   * A model operation that is not a response (an embedding, a compaction): admitted and
   * limited as `run` admits a response (the call's step names the model), then `work` runs
   * for the principal and the gateway logs it, with its usage and cost.
   */
  operate<T>(
    call: GatewayCall,
    work: (principal: Principal, storedKeys: StoredKeyProvider | undefined) => Promise<OperationResult<T>>,
    /** What the operation sends the model, read first by the gateway's request checks (DLP, Guardrails). */
    scanned?: ScannedText[],
  ): Promise<OperationAnswer<T>>;
  /** Who presents `token` (see principalForToken); HTTP middleware calls it once per request. */
  principalFor(token: string | undefined, fromLocalUser: () => boolean): Promise<Principal>;
  gateways: GatewayRegistry;
  keys: KeyAdmin;
  logs: LogAccess;
  metrics: Metrics;
  /** Resolves once every log entry of a finished request is in the store. */
  flushLogs(): Promise<void>;
  /** Deletes, in the background, a gateway's oldest logs past its `delete_oldest` cap (one just lowered). */
  trimLogs(settings: GatewaySettings): void;
  close(): Promise<void>;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { stores, catalog, now, logger } = deps;
  const gateways = new GatewayRegistry(deps.configured, stores.gateways, now);
  const writer = new LogWriter(stores.logs, logger);
  const metrics = new Metrics();
  const answers = deps.cache ?? stores.cache;
  // Every request's key check reads keys; changes through `keys` below are seen at once.
  const keys = new CachedKeyStore(stores.keys, now);
  const keyCheck = { keys, now };
  const admission = [authenticate(keyCheck), resolveGateway(gateways)] as const;
  const prompts = resolvePrompts(stores.prompts);
  const limiter = deps.rateLimiter ?? new MemoryRateLimiter();
  const limits = [
    authorizeModel,
    rateLimit(limiter, now),
    ...(deps.providerKeys ? [storedKeys(deps.providerKeys, limiter, now)] : []),
    spendLimit(stores.logs, now),
  ];
  const spendDeps = { catalog, spent: stores.logs.spend.bind(stores.logs), now };
  const logDeps = { writer, metrics, catalog, now };
  const policies = [dlpPolicy, guardrailsPolicy({ engineFor: deps.engineFor, catalog, now })];
  // A blocked answer's record, where a stream's was begun, ends failed with the policy's error
  // and nothing of the answer. (A background response's runner ends its record so itself.)
  const discard = async (ctx: GatewayContext, response: ResponseObject, error: ApiError) => {
    if (!response.store || ctx.call.resume) return;
    const { project } = admitted(ctx).principal;
    const store = deps.engineFor(project).store;
    const failed: ResponseObject = {
      ...response,
      status: 'failed',
      output: [],
      error: failure(error),
    };
    try {
      if (await store.get(response.id, project)) await store.finish(failed, project);
    } catch (failure) {
      logger.error('a blocked response could not be recorded as failed', { error: String(failure) });
    }
  };
  const pipeline = compose([
    ...admission,
    logRequest(logDeps),
    prompts,
    ...limits,
    cache(answers, now, logger),
    contentPolicies(policies, { discard }),
    retryAndFallback({ ...spendDeps, limiter, random: deps.random ?? Math.random }),
    runEngine(deps.engineFor),
  ]);

  // The same layers up to the limits, for work that runs later or elsewhere (a background
  // response is admitted when it is queued; its run goes through the whole pipeline) or is
  // not a response (operate).
  const noAnswer = async () => ({ events: noEvents(), warnings: [], headers: {}, step: 0 });
  const admitTo = compose([...admission, prompts, noAnswer]);
  const limit = compose([...limits, noAnswer]);

  // A cap lowered below what its gateway holds: the excess goes at once (trimLogs), else here.
  const trim = async ({ id, logLimit }: GatewaySettings) => {
    if (logLimit?.strategy === 'delete_oldest') await stores.logs.trim(id, logLimit.maxLogs);
  };
  const maintain = async () => {
    try {
      const at = now();
      await answers.prune(at);
      if (deps.logRetentionDays !== undefined)
        await stores.logs.prune(at - deps.logRetentionDays * 24 * HOUR_MS);
      for (const settings of await gateways.list()) await trim(settings);
    } catch (error) {
      logger.error('gateway maintenance failed', { error: String(error) });
    }
  };
  const timer = setInterval(() => void maintain(), HOUR_MS).unref();
  void maintain();

  const context = (call: GatewayCall): GatewayContext => ({
    call,
    startedAt: now(),
    logId: deps.newId('log'),
    trace: { cacheStatus: null, step: 0, attempts: 0, model: null },
  });

  return {
    run: (call) => pipeline(context(call)),
    async admit(call) {
      const ctx = context(call);
      await admitTo(ctx);
      await limit(ctx);
      return admitted(ctx);
    },
    async operate(call, work, scanned) {
      const ctx = context(call);
      await admitTo(ctx);
      return logOperation(ctx, logDeps, async () => {
        await limit(ctx);
        const step = call.steps[0]!;
        const { gateway, principal } = admitted(ctx);
        const ruled = await checkSpendRules(
          gateway,
          step.request.model,
          stepOptions(call, step).metadata,
          spendDeps,
        );
        const flagged = scanned?.length ? await scanRequestTexts(ctx, policies, scanned) : {};
        const result = await work(principal, ctx.storedKeys);
        if (ruled.length) (ctx.trace.spendScopes ??= []).push(...ruled);
        return Object.keys(flagged).length
          ? { ...result, headers: { ...result.headers, ...flagged } }
          : result;
      });
    },
    principalFor: (token, fromLocalUser) => principalForToken(keyCheck, token, fromLocalUser),
    gateways,
    keys: new KeyAdmin(keys, gateways, deps.newId, now),
    logs: new LogAccess(stores.logs, () => writer.flush()),
    metrics,
    flushLogs: () => writer.flush(),
    trimLogs(settings) {
      trim(settings).catch((error) =>
        logger.error("a gateway's logs could not be trimmed to its cap", {
          gateway: settings.id,
          error: String(error),
        }),
      );
    },
    async close() {
      clearInterval(timer);
      await writer.flush();
    },
  };
}
