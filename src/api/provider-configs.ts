import { z } from 'zod';

/** Provider configs one gateway may hold. */
export const MAX_PROVIDER_CONFIGS = 64;
/** Characters of a stored secret: far above any provider's key, bounded all the same. */
export const MAX_SECRET_CHARS = 4096;
/** Requests per period and seconds per period of a config's rate limit. */
const MAX_RATE_LIMIT = 1_000_000_000;
const MAX_RATE_LIMIT_PERIOD_S = 366 * 86_400;

export const PROVIDER_CONFIG_ALIAS = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'aliases are 1 to 64 letters, digits, dots, dashes and underscores');

/** A provider id as the config names it (`openai`, `groq`): checked against the configured ones after. */
const PROVIDER_SLUG = z.string().min(1, 'must not be empty').max(64, 'at most 64 characters');

/** Sent in a header upstream: printable ASCII without spaces, so it can never split one. */
const SECRET = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_SECRET_CHARS, `at most ${MAX_SECRET_CHARS} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const RATE_LIMIT = z
  .int('must be a whole number of requests')
  .positive('must be positive')
  .max(MAX_RATE_LIMIT, `at most ${MAX_RATE_LIMIT}`);
const RATE_LIMIT_PERIOD = z
  .int('must be a whole number of seconds')
  .positive('must be positive')
  .max(MAX_RATE_LIMIT_PERIOD_S, `at most ${MAX_RATE_LIMIT_PERIOD_S} seconds`);

/** `POST /v1/gateways/:id/provider_configs` (and the body of Cloudflare's create, less its Secrets Store id). */
export const CreateProviderConfig = z.strictObject({
  provider_slug: PROVIDER_SLUG,
  alias: PROVIDER_CONFIG_ALIAS,
  default_config: z.boolean('must be true or false').default(false),
  secret: SECRET,
  rate_limit: RATE_LIMIT.nullable().optional(),
  rate_limit_period: RATE_LIMIT_PERIOD.nullable().optional(),
});
export type CreateProviderConfig = z.output<typeof CreateProviderConfig>;

/** `PATCH …/provider_configs/:config_id`: rotate the secret, or change the alias, default or rate limit. */
export const UpdateProviderConfig = z.strictObject({
  alias: PROVIDER_CONFIG_ALIAS.optional(),
  default_config: z.boolean('must be true or false').optional(),
  secret: SECRET.optional(),
  rate_limit: RATE_LIMIT.nullable().optional(),
  rate_limit_period: RATE_LIMIT_PERIOD.nullable().optional(),
});
export type UpdateProviderConfig = z.output<typeof UpdateProviderConfig>;
