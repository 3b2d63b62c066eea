import type { Context } from 'hono';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import { queuedCaller, type Credentials } from '../gateway/gateway-call.ts';
import type { Principal } from '../gateway/principal.ts';
import type { AppEnv } from './app-env.ts';
import { requestHeaders } from './request-header.ts';
import { UpgradeResponse, upgradeRequired } from './upgrade-response.ts';

/** A WebSocket handshake the app's middleware admitted, and what each call made on its socket runs as. */
export interface Handshake {
  /** The answer to accept the handshake on. */
  outgoing: UpgradeResponse;
  principal: Principal;
  gateway: GatewaySettings;
  /** The handshake's headers: its `cf-aig-*` headers are every call's options. */
  headers: ReturnType<typeof requestHeaders>;
  /** Each call reads the key again: one revoked or expired while the socket is open stops it. */
  credentials: Credentials;
}

/**
 * The handshake of a route that opens a WebSocket; a plain GET (not a handshake:
 * answer-upgrades.ts) is a 426 saying `plainGet`, what the path takes, instead of a 404.
 */
export function admittedHandshake(c: Context<AppEnv>, plainGet: string): Handshake {
  const outgoing: unknown = c.env.outgoing;
  if (!(outgoing instanceof UpgradeResponse)) throw upgradeRequired(plainGet);
  const { principal, gateway } = c.var;
  return {
    outgoing,
    principal,
    gateway,
    headers: requestHeaders(c),
    credentials: { kind: 'queued', project: principal.project, caller: queuedCaller(principal) },
  };
}
