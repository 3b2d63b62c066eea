import { forbidden } from '../api/errors.ts';
import type { Owner } from '../store/owner.ts';
import type { RateLimit, SpendLimit } from '../api/gateway-settings.ts';
import type { KeyScopes } from '../api/keys.ts';

/** Who is asking: the key (or its absence) a request was admitted with. */
export interface Principal {
  /** The project every object this request stores belongs to. */
  project: Owner;
  /** The key's id; null without a key (open mode, the binding, the CLI, an unauthenticated gateway). */
  keyId: string | null;
  scopes: KeyScopes;
  /** False only for a request without a key on a server that has keys: it may use gateways without authentication. */
  authenticated: boolean;
  /** The gateway a request without `cf-aig-gateway-id` uses. */
  defaultGateway?: string;
  /** The key's own limits, checked with the gateway's. */
  rateLimit?: RateLimit | null;
  budget?: SpendLimit | null;
}

export function isAdmin(principal: Principal): boolean {
  return principal.scopes.admin === true;
}

/** Admin APIs (keys, gateways) refuse other principals with a 403. */
export function requireAdmin(principal: Principal): void {
  if (!isAdmin(principal))
    throw forbidden(
      'This needs an admin key (create one with `portico keys create --admin`).',
      'admin_required',
    );
}

/** `local/*` matches every local model; a pattern without `*` matches itself only. */
export function matchesPattern(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`).test(value);
}
