import { z } from 'zod';
import { GATEWAY_ID, RateLimitRule, SpendLimitRule } from './gateway-settings.ts';

/** What a key may do; absent lists allow everything. */
export interface KeyScopes {
  /** Model ids or patterns (`local/*`) the key may call. */
  models?: string[];
  /** Gateway ids the key may use. */
  gateways?: string[];
  /** Manage gateways and keys, and read every project's logs and analytics. */
  admin?: boolean;
}

export const PROJECT_ID = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'project ids are 1 to 64 letters, digits, dots, dashes and underscores',
  );

// An empty list would allow nothing: a key that can do nothing is revoked instead.
const KeyScopesInput = z.strictObject({
  models: z
    .array(z.string().min(1).max(256))
    .min(1, 'a key allows at least one model; leave models out to allow every model')
    .max(100)
    .optional(),
  gateways: z
    .array(GATEWAY_ID)
    .min(1, 'a key allows at least one gateway; leave gateways out to allow every gateway')
    .max(100)
    .optional(),
  admin: z.boolean().optional(),
});

/** `POST /v1/keys` and `portico keys create`. */
export const CreateKeyRequest = z.strictObject({
  name: z.string().min(1).max(128).optional(),
  project: PROJECT_ID.optional(),
  scopes: KeyScopesInput.optional(),
  /** Seconds since the epoch. */
  expires_at: z.int().positive().nullable().optional(),
  budget: SpendLimitRule.nullable().optional(),
  rate_limit: RateLimitRule.nullable().optional(),
  default_gateway: GATEWAY_ID.nullable().optional(),
});
export type CreateKeyRequest = z.output<typeof CreateKeyRequest>;

/** `POST /v1/keys/:id` (update): the same fields but the project, which a key keeps for life. */
export const UpdateKeyRequest = CreateKeyRequest.omit({ project: true });
export type UpdateKeyRequest = z.output<typeof UpdateKeyRequest>;
