import { z } from 'zod';
import { badRequest } from '../api/errors.ts';
import { firstMetadata, OptionValues, toCustomCost, type RequestOptions } from './request-options.ts';

interface HeaderReader {
  get(name: string): string | null;
}

const BOOLEAN = z.boolean("must be 'true' or 'false'");

const asNumber = (text: string): unknown => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
const asBoolean = (text: string): unknown =>
  /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : text;
const asText = (text: string): unknown => text;
const asJson = (text: string): unknown => JSON.parse(text);

/** Reads one header: undefined when absent, a 400 naming the header when its value is bad. */
function read<T>(
  headers: HeaderReader,
  names: readonly string[],
  schema: z.ZodType<T>,
  decode: (text: string) => unknown,
): T | undefined {
  for (const name of names) {
    const text = headers.get(name);
    if (text === null) continue;
    let value: unknown;
    try {
      value = decode(text.trim());
    } catch {
      throw badRequest(name, `Invalid header ${name}: the value is not valid JSON.`, 'invalid_header');
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const problem = parsed.error.issues[0]?.message ?? 'bad value';
      throw badRequest(name, `Invalid header ${name}: ${problem}.`, 'invalid_header');
    }
    return parsed.data;
  }
  return undefined;
}

/**
 * Cloudflare's Unified Billing headers that ask for what Portico cannot do, each answered with
 * a warning rather than ignored. (`cf-aig-no-wholesale` needs none: Portico never bills
 * wholesale, it always sends the provider's own key, which is what that header asks for.)
 */
const UNSERVED_HEADERS: ReadonlyArray<[string, string]> = [
  [
    'cf-aig-zdr',
    "ignored: a provider's data retention is a term of the account its key belongs to; what Portico keeps follows store, cf-aig-collect-log-payload and the log retention",
  ],
];

/**
 * The `cf-aig-*` request headers as RequestOptions, with Cloudflare's names, limits and the
 * deprecated `cf-cache-ttl` / `cf-skip-cache` aliases. Absent headers leave the gateway's setting.
 */
export function optionsFromHeaders(headers: HeaderReader, warnings: string[]): RequestOptions {
  const metadata = read(headers, ['cf-aig-metadata'], OptionValues.metadata, asJson);
  const cost = read(headers, ['cf-aig-custom-cost'], OptionValues.customCost, asJson);
  for (const [name, why] of UNSERVED_HEADERS)
    if (headers.get(name) !== null) warnings.push(`${name}: ${why}`);
  return withoutUndefined<RequestOptions>({
    cacheTtlS: read(headers, ['cf-aig-cache-ttl', 'cf-cache-ttl'], OptionValues.cacheTtlS, asNumber),
    skipCache: read(headers, ['cf-aig-skip-cache', 'cf-skip-cache'], BOOLEAN, asBoolean),
    cacheKey: read(headers, ['cf-aig-cache-key'], OptionValues.cacheKey, asText),
    metadata: metadata && firstMetadata(metadata, warnings, 'cf-aig-metadata'),
    collectLog: read(headers, ['cf-aig-collect-log'], BOOLEAN, asBoolean),
    collectLogPayload: read(headers, ['cf-aig-collect-log-payload'], BOOLEAN, asBoolean),
    customCost: cost && toCustomCost(cost),
    eventId: read(headers, ['cf-aig-event-id'], OptionValues.eventId, asText),
    requestTimeoutMs: read(headers, ['cf-aig-request-timeout'], OptionValues.requestTimeoutMs, asNumber),
    maxAttempts: read(headers, ['cf-aig-max-attempts'], OptionValues.maxAttempts, asNumber),
    retryDelayMs: read(headers, ['cf-aig-retry-delay'], OptionValues.retryDelayMs, asNumber),
    backoff: read(headers, ['cf-aig-backoff'], OptionValues.backoff, asText),
    byokAlias: read(headers, ['cf-aig-byok-alias'], OptionValues.byokAlias, asText),
  });
}

/** Drops unset fields, so that spreading options over settings never writes `undefined`. */
export function withoutUndefined<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  // A loop, not entries/filter/fromEntries: every HTTP request passes here.
  const defined = {} as T;
  for (const key in value) if (value[key] !== undefined) defined[key] = value[key] as T[typeof key];
  return defined;
}
