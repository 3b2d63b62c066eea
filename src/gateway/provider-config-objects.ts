import type { ProviderConfigRecord } from '../store/provider-config-store.ts';

/** A config as Portico's API answers it: never the secret, only its preview. Times in seconds. */
export function providerConfigObject(record: ProviderConfigRecord) {
  return {
    id: record.id,
    object: 'gateway.provider_config' as const,
    gateway: record.gateway,
    provider_slug: record.provider,
    alias: record.alias,
    default_config: record.isDefault,
    secret_preview: record.secretPreview,
    rate_limit: record.rateLimit,
    rate_limit_period: record.rateLimitPeriodS,
    created_at: Math.floor(record.createdAt / 1000),
    modified_at: Math.floor(record.modifiedAt / 1000),
  };
}
