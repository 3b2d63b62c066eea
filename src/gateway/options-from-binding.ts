import { z } from 'zod';
import { badRequest } from '../api/errors.ts';
import { paramPath } from '../api/request.ts';
import { withoutUndefined } from './options-from-headers.ts';
import { firstMetadata, OptionValues, toCustomCost, type RequestOptions } from './request-options.ts';

/**
 * The binding's `GatewayOptions` (workerd's aig.d.ts), checked like the headers they stand
 * for. `metadata` values may also be bigints there; they are logged as numbers.
 */
export const GatewayOptionsSchema = z.looseObject({
  id: z.string().min(1, 'must be a non-empty gateway id').optional(),
  cacheKey: OptionValues.cacheKey.optional(),
  cacheTtl: OptionValues.cacheTtlS.optional(),
  skipCache: z.boolean().optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .transform((record) =>
      Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    )
    .pipe(OptionValues.metadata)
    .optional(),
  collectLog: z.boolean().optional(),
  collectLogPayload: z.boolean().optional(),
  customCost: OptionValues.customCost.optional(),
  eventId: OptionValues.eventId.optional(),
  requestTimeoutMs: OptionValues.requestTimeoutMs.optional(),
  retries: z
    .strictObject({
      maxAttempts: OptionValues.maxAttempts.optional(),
      retryDelayMs: OptionValues.retryDelayMs.optional(),
      backoff: OptionValues.backoff.optional(),
    })
    .optional(),
});

export type GatewayOptions = z.input<typeof GatewayOptionsSchema>;

/** `options.gateway` of `ai.run`: the gateway id and the request's options; a bad one is a 400 naming it. */
export function optionsFromBinding(
  gateway: unknown,
  warnings: string[],
): { gatewayId: string | undefined; options: RequestOptions } {
  if (gateway === undefined) return { gatewayId: undefined, options: {} };
  const parsed = GatewayOptionsSchema.safeParse(gateway);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = paramPath(['gateway', ...issue.path]);
    throw badRequest(param, `Invalid '${param}': ${issue.message}.`, 'invalid_value');
  }
  const g = parsed.data;
  return {
    gatewayId: g.id,
    options: withoutUndefined<RequestOptions>({
      cacheKey: g.cacheKey,
      cacheTtlS: g.cacheTtl,
      skipCache: g.skipCache,
      metadata: g.metadata && firstMetadata(g.metadata, warnings, 'gateway.metadata'),
      collectLog: g.collectLog,
      collectLogPayload: g.collectLogPayload,
      customCost: g.customCost && toCustomCost(g.customCost),
      eventId: g.eventId,
      requestTimeoutMs: g.requestTimeoutMs,
      maxAttempts: g.retries?.maxAttempts,
      retryDelayMs: g.retries?.retryDelayMs,
      backoff: g.retries?.backoff,
    }),
  };
}
