import { z } from 'zod';
import { BACKOFFS, CacheTtl, MAX_RETRY_DELAY_MS, type Backoff } from '../api/gateway-settings.ts';
import { PROVIDER_CONFIG_ALIAS } from '../api/provider-configs.ts';
import { MAX_ATTEMPTS, MAX_METADATA_ENTRIES, MAX_METADATA_VALUE_LENGTH } from '../api/limits.ts';

export const MAX_EVENT_ID_LENGTH = 256;
export const MAX_CACHE_KEY_LENGTH = 1024;
/**
 * A custom price's bounds: far above any model's (a dollar a token), yet so a request's cost
 * stays a number (`1e308` a token made it Infinity, and a gateway's spend limit refused everyone).
 */
const MAX_CUSTOM_PER_TOKEN = 1;
const MAX_CUSTOM_TOTAL = 1_000_000;
const Dollars = z.number().nonnegative();

export type MetadataValue = string | number | boolean | null;

/** A price per token for either side or both (a side left out keeps the catalog's), or a total. */
export type CustomCost = { perTokenIn?: number; perTokenOut?: number } | { totalCost: number };

/**
 * What one request asks of its gateway, from `cf-aig-*` headers or the binding's
 * `GatewayOptions`; each overrides the gateway's setting for this request only.
 */
export interface RequestOptions {
  /** Seconds; 0 turns caching off for this request. */
  cacheTtlS?: number;
  skipCache?: boolean;
  cacheKey?: string;
  metadata?: Record<string, MetadataValue>;
  collectLog?: boolean;
  collectLogPayload?: boolean;
  customCost?: CustomCost;
  eventId?: string;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  retryDelayMs?: number;
  backoff?: Backoff;
  /** Which stored provider key to use (`cf-aig-byok-alias`): the alias of one of the gateway's provider configs. */
  byokAlias?: string;
}

/** The checks both spellings share; `name` is what a client wrote (a header or an option). */
export const OptionValues = {
  cacheTtlS: CacheTtl,
  cacheKey: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_CACHE_KEY_LENGTH, `at most ${MAX_CACHE_KEY_LENGTH} characters`),
  eventId: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_EVENT_ID_LENGTH, `at most ${MAX_EVENT_ID_LENGTH} characters`),
  requestTimeoutMs: z.int('must be a whole number of milliseconds').positive('must be positive'),
  maxAttempts: z
    .int('must be a whole number')
    .min(1, 'at least 1')
    .max(MAX_ATTEMPTS, `at most ${MAX_ATTEMPTS}`),
  retryDelayMs: z
    .int('must be a whole number of milliseconds')
    .min(0, 'must not be negative')
    .max(MAX_RETRY_DELAY_MS, `at most ${MAX_RETRY_DELAY_MS} ms`),
  backoff: z.enum(BACKOFFS, `must be one of ${BACKOFFS.join(', ')}`),
  byokAlias: PROVIDER_CONFIG_ALIAS,
  metadata: z.record(
    z.string().min(1).max(64, 'keys are at most 64 characters'),
    z.union(
      [
        z
          .string()
          .max(MAX_METADATA_VALUE_LENGTH, `values are at most ${MAX_METADATA_VALUE_LENGTH} characters`),
        z.number(),
        z.boolean(),
        z.null(),
      ],
      'values must be strings, numbers, booleans or null (no objects)',
    ),
    'must be an object of at most 5 entries',
  ),
  customCost: z.union(
    [
      z.strictObject({ total_cost: Dollars.max(MAX_CUSTOM_TOTAL) }),
      z
        .strictObject({
          per_token_in: Dollars.max(MAX_CUSTOM_PER_TOKEN).optional(),
          per_token_out: Dollars.max(MAX_CUSTOM_PER_TOKEN).optional(),
        })
        .refine((cost) => cost.per_token_in !== undefined || cost.per_token_out !== undefined),
    ],
    `must be {"per_token_in": x, "per_token_out": y} (either or both, at most $${MAX_CUSTOM_PER_TOKEN} a token) or {"total_cost": z} (at most $${MAX_CUSTOM_TOTAL.toLocaleString('en-US')}), in US dollars`,
  ),
};

/** The first five entries: Cloudflare drops the rest, and so does Portico (with a warning). */
export function firstMetadata(
  metadata: Record<string, MetadataValue>,
  warnings: string[],
  name: string,
): Record<string, MetadataValue> {
  const entries = Object.entries(metadata);
  if (entries.length <= MAX_METADATA_ENTRIES) return metadata;
  warnings.push(`${name}: only the first ${MAX_METADATA_ENTRIES} metadata entries are kept`);
  return Object.fromEntries(entries.slice(0, MAX_METADATA_ENTRIES));
}

export function toCustomCost(value: z.output<typeof OptionValues.customCost>): CustomCost {
  if ('total_cost' in value) return { totalCost: value.total_cost };
  return {
    ...(value.per_token_in !== undefined ? { perTokenIn: value.per_token_in } : {}),
    ...(value.per_token_out !== undefined ? { perTokenOut: value.per_token_out } : {}),
  };
}
