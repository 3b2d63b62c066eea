import { forbidden, unauthorized } from '../api/errors.ts';
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

/**
 * What reads a project's whole contents (a listing, the logs, analytics) needs a key. Requests
 * without one, on a gateway without authentication, share one project with every other such
 * request: each reaches what it stored by its id, but a listing would hand it the others' ids,
 * and the logs their prompts.
 */
export function requireKey(principal: Principal, what: string): void {
  if (!principal.authenticated)
    throw unauthorized(
      `${what} needs an API key: requests without one share their project with every other.`,
      'missing_api_key',
    );
}

/**
 * `local/*` matches every local model; a pattern without `*` matches itself only. Each `*`
 * stands for any run of characters: the parts between them are found in order, each at its
 * first place after the one before, which is enough for `*` alone (no regular expression, whose
 * backtracking on a pattern such as `a*a*a*a*b` grows with a power of the name's length).
 */
export function matchesPattern(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts.at(-1)!;
  const end = value.length - last.length;
  if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
