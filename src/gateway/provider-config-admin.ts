import { ApiError, badRequest, notFound } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import {
  MAX_PROVIDER_CONFIGS,
  type CreateProviderConfig,
  type UpdateProviderConfig,
} from '../api/provider-configs.ts';
import type { IdGenerator } from '../engine/ids.ts';
import type { ProviderConfigRecord, ProviderConfigStore } from '../store/provider-config-store.ts';
import { gatewayNotFound, type GatewayRegistry } from './gateway-registry.ts';
import type { ProviderKeys } from './provider-keys.ts';
import { secretPreview, type SecretBox } from './secret-box.ts';

export interface ProviderConfigAdminDeps {
  store: ProviderConfigStore;
  box: SecretBox;
  keys: ProviderKeys;
  gateways: GatewayRegistry;
  /** The providers a key may be stored for: the configured and well-known ones. */
  providerIds: ReadonlySet<string>;
  newId: IdGenerator;
  now: () => number;
}

function configNotFound(gateway: string, id: string): ApiError {
  return notFound(
    `The gateway '${gateway}' has no provider config '${clip(id, 64)}'.`,
    'provider_config_not_found',
    'config_id',
  );
}

function aliasTaken(record: ProviderConfigRecord): ApiError {
  return new ApiError({
    status: 409,
    type: 'invalid_request_error',
    code: 'provider_config_exists',
    param: 'alias',
    retryable: false,
    message: `The gateway '${record.gateway}' already has a key for '${record.provider}' with the alias '${record.alias}'.`,
  });
}

/** A rate limit is a number of requests and a period: both or neither. */
function checkRateLimit(rateLimit: number | null, period: number | null): void {
  if (rateLimit !== null && period === null)
    throw badRequest(
      'rate_limit_period',
      'A rate_limit needs a rate_limit_period (seconds).',
      'missing_required_parameter',
    );
  if (period !== null && rateLimit === null)
    throw badRequest(
      'rate_limit',
      'A rate_limit_period needs a rate_limit (requests).',
      'missing_required_parameter',
    );
}

/**
 * Making, rotating and deleting the provider keys stored for a gateway (admin only). Secrets
 * are sealed before they reach the store; every change is seen by this process's requests at
 * once (ProviderKeys.forget), by other processes within PROVIDER_CONFIG_CACHE_MS.
 */
export class ProviderConfigAdmin {
  constructor(private readonly deps: ProviderConfigAdminDeps) {}

  async list(gateway: string): Promise<ProviderConfigRecord[]> {
    await this.gateway(gateway);
    return this.deps.store.list(gateway);
  }

  async create(gateway: string, input: CreateProviderConfig): Promise<ProviderConfigRecord> {
    await this.gateway(gateway);
    if (!this.deps.providerIds.has(input.provider_slug))
      throw badRequest(
        'provider_slug',
        `Invalid 'provider_slug': '${clip(input.provider_slug, 64)}' is not a configured provider (known: ${[...this.deps.providerIds].join(', ')}).`,
        'invalid_value',
      );
    const rateLimit = input.rate_limit ?? null;
    const period = input.rate_limit_period ?? null;
    checkRateLimit(rateLimit, period);
    if ((await this.deps.store.list(gateway)).length >= MAX_PROVIDER_CONFIGS)
      throw badRequest(
        null,
        `The gateway '${gateway}' already has ${MAX_PROVIDER_CONFIGS} provider configs, the most it may hold: delete one first.`,
        'too_many_provider_configs',
      );
    const id = this.deps.newId('pc');
    const now = this.deps.now();
    const record: ProviderConfigRecord = {
      id,
      gateway,
      provider: input.provider_slug,
      alias: input.alias,
      isDefault: input.default_config,
      sealedSecret: this.deps.box.seal(input.secret, id),
      secretPreview: secretPreview(input.secret),
      rateLimit,
      rateLimitPeriodS: period,
      createdAt: now,
      modifiedAt: now,
    };
    await this.put(record);
    return record;
  }

  async update(gateway: string, id: string, patch: UpdateProviderConfig): Promise<ProviderConfigRecord> {
    const current = await this.find(gateway, id);
    const rateLimit = patch.rate_limit === undefined ? current.rateLimit : patch.rate_limit;
    const period = patch.rate_limit_period === undefined ? current.rateLimitPeriodS : patch.rate_limit_period;
    checkRateLimit(rateLimit, period);
    // Strictly later: the providers built with the old secret are keyed by this stamp.
    const modifiedAt = Math.max(this.deps.now(), current.modifiedAt + 1);
    const record: ProviderConfigRecord = {
      ...current,
      ...(patch.alias !== undefined ? { alias: patch.alias } : {}),
      ...(patch.default_config !== undefined ? { isDefault: patch.default_config } : {}),
      ...(patch.secret !== undefined
        ? { sealedSecret: this.deps.box.seal(patch.secret, id), secretPreview: secretPreview(patch.secret) }
        : {}),
      rateLimit,
      rateLimitPeriodS: period,
      modifiedAt,
    };
    await this.put(record);
    return record;
  }

  async delete(gateway: string, id: string): Promise<ProviderConfigRecord> {
    const current = await this.find(gateway, id);
    await this.deps.store.delete(gateway, id);
    this.deps.keys.forget();
    return current;
  }

  /** A deleted gateway's keys go with it: a gateway made again with its id starts without them. */
  async deleteGateway(gateway: string): Promise<void> {
    await this.deps.store.deleteGateway(gateway);
    this.deps.keys.forget();
  }

  async find(gateway: string, id: string): Promise<ProviderConfigRecord> {
    const found = (await this.list(gateway)).find((record) => record.id === id);
    if (!found) throw configNotFound(gateway, id);
    return found;
  }

  private async put(record: ProviderConfigRecord): Promise<void> {
    const stored = await this.deps.store.put(record);
    this.deps.keys.forget();
    if (!stored) throw aliasTaken(record);
  }

  private async gateway(id: string): Promise<void> {
    if (!(await this.deps.gateways.get(id))) throw gatewayNotFound(id);
  }
}
