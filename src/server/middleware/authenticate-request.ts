import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerToken } from '../../gateway/api-keys.ts';
import type { Gateway } from '../../gateway/create-gateway.ts';
import type { AppEnv } from '../app-env.ts';
import { requestHeader } from '../request-header.ts';

/** Loopback peers: IPv4's 127/8, IPv6's ::1 and IPv4 loopback mapped into IPv6. */
function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * The names this machine's own loopback goes by, with any port: names no one else can point at
 * it, as a rebinding web page's own name can be (`*.localhost` never leaves the machine, and a
 * browser reaches `0.0.0.0` on it).
 */
const LOOPBACK_HOST = /^(([\w-]+\.)*localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\])(:\d+)?$/i;

/**
 * Whether a request is the local user's, whom a server without keys answers as its admin: from
 * a loopback peer, for a loopback name (a web page that rebinds its own name to 127.0.0.1 asks
 * for that name), and not through a proxy, which answers someone else from loopback.
 */
function fromLocalUser(c: Context<AppEnv>): boolean {
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return true; // not served by node:http (app.request in tests): local
  }
  const host = requestHeader(c, 'host');
  return (
    isLoopback(address) &&
    host !== undefined &&
    LOOPBACK_HOST.test(host) &&
    requestHeader(c, 'forwarded') === undefined &&
    requestHeader(c, 'x-forwarded-for') === undefined
  );
}

/** AI Gateway's key for a browser's WebSocket, which can set no header: the subprotocol `cf-aig-authorization.<key>`. */
const SUBPROTOCOL_KEY = 'cf-aig-authorization.';

function subprotocolKey(protocols: string | undefined): string | undefined {
  const offered = protocols?.split(',').map((protocol) => protocol.trim());
  const key = offered
    ?.find((protocol) => protocol.startsWith(SUBPROTOCOL_KEY))
    ?.slice(SUBPROTOCOL_KEY.length);
  return key ? key : undefined;
}

/**
 * The key a request presents: in `cf-aig-authorization` (AI Gateway's header, which wins
 * because `Authorization` may carry a provider key there), else `Authorization`, else, where
 * `Authorization` is absent, `x-api-key` (where Anthropic's SDK and Claude Code send theirs).
 */
function presentedKey(c: Context<AppEnv>): string | undefined {
  const authorization = requestHeader(c, 'authorization');
  return (
    bearerToken(requestHeader(c, 'cf-aig-authorization')) ??
    subprotocolKey(requestHeader(c, 'sec-websocket-protocol')) ??
    (authorization === undefined ? bearerToken(requestHeader(c, 'x-api-key')) : bearerToken(authorization))
  );
}

/**
 * Who is asking, for every route: the key it presents (presentedKey). Sets the principal; a bad key is a 401 before any route runs. The project (`owner`) is set
 * only once a gateway admits the principal (admit-gateway.ts), so a route that skipped
 * admission has no project to read or write.
 */
export function authenticateRequest(gateway: Gateway): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await gateway.principalFor(presentedKey(c), () => fromLocalUser(c));
    c.set('principal', principal);
    await next();
  };
}
