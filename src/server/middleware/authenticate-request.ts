import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';
import { bearerToken } from '../../gateway/api-keys.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';
import type { AppEnv } from '../app-env.ts';
import { requestHeader } from '../request-header.ts';

/** Loopback peers: IPv4's 127/8, IPv6's ::1 and IPv4 loopback mapped into IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Who is asking, for every route: the key in `cf-aig-authorization` (AI Gateway's header,
 * which wins because `Authorization` may carry a provider key there) or `Authorization`.
 * Sets the principal; a bad key is a 401 before any route runs. The project (`owner`) is set
 * only once a gateway admits the principal (admit-gateway.ts), so a route that skipped
 * admission has no project to read or write.
 */
export function authenticateRequest(gateway: Gateway): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token =
      bearerToken(requestHeader(c, 'cf-aig-authorization')) ?? bearerToken(requestHeader(c, 'authorization'));
    let address: string | undefined;
    try {
      address = getConnInfo(c).remote.address;
    } catch {
      address = undefined; // not served by node:http (app.request in tests): treat as local
    }
    const principal = await gateway.principalFor(token, address === undefined || isLoopback(address));
    c.set('principal', principal);
    await next();
  };
}
