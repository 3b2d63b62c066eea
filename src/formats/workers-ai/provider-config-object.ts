import { z } from 'zod';
import { cloudflarePageQuery } from './cloudflare-page.ts';
import { CreateProviderConfig } from '../../api/provider-configs.ts';
import type { ProviderConfigRecord } from '../../store/provider-config-store.ts';

/**
 * Cloudflare's `providerConfigs.create` body: Portico's own fields, plus `secret_id`, which
 * names a secret of Cloudflare's Secrets Store (Portico has none: the secret is sent itself).
 */
export const CloudflareProviderConfigCreate = CreateProviderConfig.extend({
  secret_id: z.string().max(256).optional(),
});

export const CloudflareProviderConfigListQuery = cloudflarePageQuery(20);

/**
 * A config as Cloudflare's API answers it (its SDK's `ProviderConfigListResponse`):
 * `secret_id` is the config's own id, since Portico keeps the sealed secret in the config.
 */
export function cloudflareProviderConfigObject(record: ProviderConfigRecord) {
  return {
    id: record.id,
    alias: record.alias,
    default_config: record.isDefault,
    gateway_id: record.gateway,
    modified_at: new Date(record.modifiedAt).toISOString(),
    provider_slug: record.provider,
    secret_id: record.id,
    secret_preview: record.secretPreview,
    ...(record.rateLimit !== null ? { rate_limit: record.rateLimit } : {}),
    ...(record.rateLimitPeriodS !== null ? { rate_limit_period: record.rateLimitPeriodS } : {}),
  };
}
