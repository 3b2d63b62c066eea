import type { Context } from 'hono';
import { requireKey } from '../gateway/principal.ts';
import type { Owner } from '../store/owner.ts';
import type { AppEnv } from './app-env.ts';

/** The project a listing reads: the request's, for a caller with a key (see `requireKey`). */
export function listingOwner(c: Context<AppEnv>, what: string): Owner {
  requireKey(c.get('principal'), what);
  return c.get('owner');
}
