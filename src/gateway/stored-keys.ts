import type { RateLimit } from '../api/gateway-settings.ts';
import type { Provider } from '../providers/provider.ts';
import { admitted, stepOptions, type GatewayCall, type GatewayContext, type Layer } from './gateway-call.ts';
import type { ProviderKeys, StoredKey } from './provider-keys.ts';
import { overLimit } from './rate-limit.ts';
import type { RateLimiter } from './rate-limiter.ts';

export type { StoredKeyProvider } from '../catalog/catalog.ts';

/**
 * `key`'s provider, which before each generation, compaction or embedding counts the call
 * against the config's rate limit and records in the trace that the key was used.
 */
function usingKey(key: StoredKey, use: () => Promise<void>): Provider {
  const { provider } = key;
  return {
    async *generate(turn, signal) {
      await use();
      yield* provider.generate(turn, signal);
    },
    ...(provider.embed
      ? { embed: async (request, signal) => (await use(), provider.embed!(request, signal)) }
      : {}),
    ...(provider.compact
      ? { compact: async (turn, signal) => (await use(), provider.compact!(turn, signal)) }
      : {}),
    ...(provider.countInputTokens
      ? { countInputTokens: (turn, signal) => provider.countInputTokens!(turn, signal) }
      : {}),
    ...(provider.unsupported ? { unsupported: (turn) => provider.unsupported!(turn) } : {}),
  };
}

/**
 * Provider keys stored for the request's gateway (BYOK): `cf-aig-byok-alias` (the request's, or
 * a universal step's for its own model) picks one by its alias (an alias the gateway does not
 * have is a 400), else each provider's default config is used; a provider without one keeps its configured key. Sets `ctx.storedKeys`, which the engine
 * and embeddings consult for every model they resolve.
 */
export function storedKeys(keys: ProviderKeys, limiter: RateLimiter, now: () => number): Layer {
  return async (ctx, next) => {
    const { gateway } = admitted(ctx);
    const { call } = ctx;
    // Fresh in memory (nearly always), the configs cost no promise of their own.
    const configs = keys.fresh(gateway.id) ?? (await keys.configs(gateway.id));
    const choice = keys.choose(configs, aliases(call));
    if (choice) {
      const use = (key: StoredKey) => () => recordUse(ctx, key, limiter, now);
      ctx.storedKeys = (model) => {
        const key = model.proxied ? choice.forProvider(model.provider, aliasFor(call, model.id)) : undefined;
        return key && usingKey(key, use(key));
      };
    }
    return next();
  };
}

const NO_ALIASES: readonly string[] = [];

/** Every alias the request names: its own and its steps' (a universal step's headers). */
function aliases(call: GatewayCall): readonly string[] {
  // Most requests name none: they allocate nothing here.
  let named: string[] | undefined;
  if (call.options.byokAlias !== undefined) named = [call.options.byokAlias];
  for (const step of call.steps)
    if (step.options.byokAlias !== undefined) (named ??= []).push(step.options.byokAlias);
  return named ?? NO_ALIASES;
}

/** The alias a call to `model` uses: that of the step that names it (its options over the request's), else the request's. */
function aliasFor(call: GatewayCall, model: string): string | undefined {
  const step = call.steps.length > 1 ? call.steps.find((one) => one.request.model === model) : call.steps[0];
  return (step ? stepOptions(call, step) : call.options).byokAlias;
}

async function recordUse(ctx: GatewayContext, key: StoredKey, limiter: RateLimiter, now: () => number) {
  const { config } = key;
  if (config.rateLimit !== null && config.rateLimitPeriodS !== null) {
    const rule: RateLimit = {
      limit: config.rateLimit,
      periodMs: config.rateLimitPeriodS * 1000,
      technique: 'fixed',
    };
    const decision = await limiter.consume(`provider_config:${config.id}`, rule, now());
    if (!decision.allowed)
      throw overLimit(rule, decision.retryAfterMs, `the stored provider key '${config.alias}'`);
  }
  ctx.trace.providerConfig = { id: config.id, alias: config.alias };
  ctx.call.storedKeyUsed = true;
}
