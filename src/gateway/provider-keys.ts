import { ApiError, badRequest } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { Built } from '../providers/registry.ts';
import type { Provider } from '../providers/provider.ts';
import type { ProviderConfigRecord, ProviderConfigStore } from '../store/provider-config-store.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * How long a gateway's provider configs are answered from memory. A change made in this
 * process is seen at once; one made by another process on the same database (`--workers`,
 * another replica) within this long, as keys are (cached-key-store.ts).
 */
export const PROVIDER_CONFIG_CACHE_MS = 1_000;

/** Gateways whose configs, and configs whose providers, are remembered at most (admins made them all). */
const MAX_ENTRIES = 10_000;

/** The header that picks a stored key by its alias. */
export const BYOK_ALIAS_HEADER = 'cf-aig-byok-alias';

/** The stored key a request uses for a provider: its config, and the provider built with it. */
export interface StoredKey {
  config: ProviderConfigRecord;
  provider: Provider;
}

/** Which stored key, if any, a request's calls to each provider use. */
export interface KeyChoice {
  /** The key for provider `id`: the one with `alias`, else the default; undefined: its configured key. */
  forProvider(id: string, alias: string | undefined): StoredKey | undefined;
}

interface Cached {
  configs: readonly ProviderConfigRecord[];
  until: number;
}

function unknownAlias(alias: string, provider?: string): ApiError {
  const where = provider === undefined ? 'this gateway' : `the provider '${provider}' on this gateway`;
  return badRequest(
    BYOK_ALIAS_HEADER,
    `Invalid header ${BYOK_ALIAS_HEADER}: no stored provider key of ${where} has the alias '${clip(alias, 64)}'.`,
    'provider_config_not_found',
  );
}

function unreadable(config: ProviderConfigRecord): ApiError {
  return new ApiError({
    status: 500,
    type: 'server_error',
    code: 'provider_config_unreadable',
    retryable: false,
    message:
      `The stored key of provider config '${config.id}' (alias '${config.alias}', provider '${config.provider}') ` +
      `cannot be decrypted: the secrets key is not the one it was stored with. Set PORTICO_SECRETS_KEY back, ` +
      `or store the secret again (PATCH /v1/gateways/${config.gateway}/provider_configs/${config.id}).`,
  });
}

/**
 * The provider keys stored per gateway, as requests use them: each gateway's configs are read
 * at most once per PROVIDER_CONFIG_CACHE_MS (a gateway without any costs a map lookup), and
 * each key's provider is built once per version of its config (its id and `modifiedAt`), by
 * the registry's own `build`, so a rotated secret is used from the next request on.
 */
export class ProviderKeys {
  #byGateway = new Map<string, Cached>();
  #built = new Map<string, { modifiedAt: number; provider: Provider }>();
  /** Bumped by every change, so a read that was in flight during one is not remembered. */
  #generation = 0;

  constructor(
    private readonly store: ProviderConfigStore,
    private readonly box: SecretBox,
    private readonly build: (provider: string, apiKey: string) => Built | undefined,
    private readonly now: () => number,
  ) {}

  /** The gateway's configs while they are fresh in memory; undefined: read them (`configs`). */
  fresh(gateway: string): readonly ProviderConfigRecord[] | undefined {
    const hit = this.#byGateway.get(gateway);
    return hit && hit.until > this.now() ? hit.configs : undefined;
  }

  /** The gateway's configs, from memory while fresh. */
  async configs(gateway: string): Promise<readonly ProviderConfigRecord[]> {
    const hit = this.fresh(gateway);
    if (hit) return hit;
    const generation = this.#generation;
    const configs = await this.store.list(gateway);
    if (generation === this.#generation) {
      if (this.#byGateway.size >= MAX_ENTRIES) this.#byGateway.clear();
      this.#byGateway.set(gateway, { configs, until: this.now() + PROVIDER_CONFIG_CACHE_MS });
    }
    return configs;
  }

  /** Called after every change through the admin API: this process sees it at once. */
  forget(): void {
    this.#generation++;
    this.#byGateway.clear();
  }

  /**
   * The choice for a request on a gateway with `configs` that names `aliases` (its own and its
   * steps'): undefined when the gateway stores no key (the common case, which allocates
   * nothing). An alias that no config of the gateway has is a 400.
   */
  choose(configs: readonly ProviderConfigRecord[], aliases: readonly string[]): KeyChoice | undefined {
    for (const alias of aliases)
      if (!configs.some((config) => config.alias === alias)) throw unknownAlias(alias);
    if (configs.length === 0) return undefined;
    return {
      forProvider: (id, alias) => {
        let own: ProviderConfigRecord | undefined;
        let chosen: ProviderConfigRecord | undefined;
        for (const config of configs) {
          if (config.provider !== id) continue;
          own ??= config;
          if (alias === undefined ? config.isDefault : config.alias === alias) chosen = config;
        }
        if (own && alias !== undefined && !chosen) throw unknownAlias(alias, id);
        return chosen && { config: chosen, provider: this.provider(chosen) };
      },
    };
  }

  /** The provider built with the config's key, once per version of the config. */
  private provider(config: ProviderConfigRecord): Provider {
    const built = this.#built.get(config.id);
    if (built?.modifiedAt === config.modifiedAt) return built.provider;
    const secret = this.box.open(config.sealedSecret, config.id);
    if (secret === undefined) throw unreadable(config);
    const made = this.build(config.provider, secret);
    if (!made)
      throw badRequest(
        'model',
        `The provider config '${config.id}' names the provider '${config.provider}', which is no longer configured.`,
        'provider_not_configured',
      );
    if ('missing' in made)
      throw badRequest(
        'model',
        `The provider config '${config.id}' cannot be used: ${made.missing}.`,
        'provider_not_configured',
      );
    if (this.#built.size >= MAX_ENTRIES) this.#built.clear();
    this.#built.set(config.id, { modifiedAt: config.modifiedAt, provider: made.provider });
    return made.provider;
  }
}
