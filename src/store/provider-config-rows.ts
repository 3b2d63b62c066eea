import type { ProviderConfigRecord } from './provider-config-store.ts';

/** A provider_configs row as both backends read it. */
export interface ProviderConfigRow {
  id: string;
  gateway: string;
  provider: string;
  alias: string;
  is_default: number | boolean;
  sealed_secret: string;
  secret_preview: string;
  rate_limit: number | null;
  rate_limit_period: number | null;
  created_at: number | string;
  modified_at: number | string;
}

export const PROVIDER_CONFIG_COLUMNS =
  'id, gateway, provider, alias, is_default, sealed_secret, secret_preview, rate_limit, rate_limit_period, created_at, modified_at';

export function providerConfigRecord(row: ProviderConfigRow): ProviderConfigRecord {
  return {
    id: row.id,
    gateway: row.gateway,
    provider: row.provider,
    alias: row.alias,
    isDefault: row.is_default === true || row.is_default === 1,
    sealedSecret: row.sealed_secret,
    secretPreview: row.secret_preview,
    rateLimit: row.rate_limit,
    rateLimitPeriodS: row.rate_limit_period,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
  };
}

/** The record's values in PROVIDER_CONFIG_COLUMNS order. */
export function providerConfigValues(record: ProviderConfigRecord): Array<string | number | null> {
  return [
    record.id,
    record.gateway,
    record.provider,
    record.alias,
    record.isDefault ? 1 : 0,
    record.sealedSecret,
    record.secretPreview,
    record.rateLimit,
    record.rateLimitPeriodS,
    record.createdAt,
    record.modifiedAt,
  ];
}
