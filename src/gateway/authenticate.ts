import { unauthorized } from '../api/errors.ts';
import type { KeyRecord, KeyStore } from '../store/key-store.ts';
import { ANONYMOUS_PROJECT, DEFAULT_PROJECT } from '../store/owner.ts';
import { hashApiKey, KEY_PREFIX } from './api-keys.ts';
import type { Layer } from './gateway-call.ts';
import type { Principal } from './principal.ts';

/** Open mode (no key exists yet): the local user owns the server, as its admin. */
const LOCAL_ADMIN: Principal = {
  project: DEFAULT_PROJECT,
  keyId: null,
  scopes: { admin: true },
  authenticated: true,
};

/** A request without a key on a server that has keys: only gateways without authentication take it. */
const ANONYMOUS: Principal = { project: ANONYMOUS_PROJECT, keyId: null, scopes: {}, authenticated: false };

export interface KeyCheck {
  keys: KeyStore;
  now: () => number;
}

/**
 * Who presents `token`. Without any key on the server, every request is the local admin's,
 * from the local user only (authenticate-request.ts says who that is). A token that is not a Portico key (an SDK's placeholder, a provider
 * key meant for the upstream) is no key at all; a Portico key that is unknown, revoked or
 * expired is refused, never downgraded to anonymous.
 */
export async function principalForToken(
  { keys, now }: KeyCheck,
  token: string | undefined,
  /** Asked only while no key exists (open mode). */
  fromLocalUser: () => boolean,
): Promise<Principal> {
  if (!(await keys.anyActive())) {
    if (fromLocalUser()) return LOCAL_ADMIN;
    throw unauthorized(
      'This Portico has no API keys yet, so it only answers its local user (on loopback, for a loopback name, not through a proxy). Create one with `portico keys create --admin`.',
      'missing_api_key',
    );
  }
  if (token === undefined || !token.startsWith(KEY_PREFIX)) return ANONYMOUS;
  return principalOfKey(await keys.findByHash(hashApiKey(token)), now());
}

/** The principal of a key record, or a 401 when it is unknown, revoked or expired. */
function principalOfKey(key: KeyRecord | undefined, now: number): Principal {
  if (!key || key.revokedAt !== null)
    throw unauthorized('Incorrect API key provided: it is unknown or was revoked.', 'invalid_api_key');
  if (key.expiresAt !== null && key.expiresAt <= now)
    throw unauthorized('The API key provided has expired.', 'expired_api_key');
  return {
    project: key.project,
    keyId: key.id,
    scopes: key.scopes,
    authenticated: true,
    ...(key.defaultGateway !== null ? { defaultGateway: key.defaultGateway } : {}),
    rateLimit: key.rateLimit,
    budget: key.budget,
  };
}

/**
 * The pipeline's first layer: who is asking. HTTP requests arrive with their key already
 * checked; a background run's key is read again, so a key revoked while its run waited in the
 * queue stops it, and its scopes, limits and budget are today's.
 */
export function authenticate({ keys, now }: KeyCheck): Layer {
  return async (ctx, next) => {
    const credentials = ctx.call.credentials;
    switch (credentials.kind) {
      case 'principal':
        ctx.principal = credentials.principal;
        break;
      case 'trusted':
        ctx.principal = {
          project: credentials.project,
          keyId: null,
          scopes: { admin: true },
          authenticated: true,
        };
        break;
      case 'queued': {
        const { caller, project } = credentials;
        ctx.principal =
          caller.keyId !== null
            ? principalOfKey(await keys.get(caller.keyId), now())
            : {
                project,
                keyId: null,
                scopes: caller.admin ? { admin: true } : {},
                authenticated: caller.authenticated,
              };
        break;
      }
    }
    return next();
  };
}
