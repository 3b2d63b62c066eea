import type { HttpBindings } from '@hono/node-server';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { Principal } from '../gateway/principal.ts';
import type { Owner } from '../store/owner.ts';

/**
 * What the app's middleware puts on every request's context for the routes to read, with
 * `c.get` (hono's `c.var` copies every variable into a new object at each read).
 */
export interface AppEnv {
  /** node:http's request and response, which @hono/node-server passes to every handler. */
  Bindings: HttpBindings;
  Variables: {
    /** The project every stored object of this request belongs to. */
    owner: Owner;
    /** Who is asking (see middleware/authenticate-request.ts). */
    principal: Principal;
    /** The gateway whose settings govern this request (see middleware/admit-gateway.ts). */
    gateway: GatewaySettings;
    /** This request's id, sent back as `x-request-id` and named in every log line about it. */
    requestId: string;
    /**
     * Counts this request out of the running work a shutdown waits for, before its answer ends:
     * for a background response's follower, whose run is work of its own (or not this process's).
     */
    leaveWork: () => void;
  };
}
