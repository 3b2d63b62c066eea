import type { GatewaySettings } from '../api/gateway-settings.ts';

/** How a write of a gateway's settings is made. */
export interface GatewayPut {
  /**
   * The settings this write replaces, as read: the write happens only while they are still
   * stored (undefined: whatever is stored; null: only while none is). A read-modify-write on
   * one worker cannot then undo another's.
   */
  expected?: GatewaySettings | null;
  /** Route id to the version to deploy, when the route's graph is that version's (Cloudflare's createDeployment). */
  deploy?: ReadonlyMap<string, string>;
}

/**
 * Gateways made through the admin API (the config file's live in the config). Server-wide, admin
 * only. A write records its dynamic routes' history in the same transaction (route-history-store.ts).
 */
export interface GatewayStore {
  list(): Promise<GatewaySettings[]>;
  get(id: string): Promise<GatewaySettings | undefined>;
  /** Creates or replaces; false when `expected` no longer holds (nothing was written). */
  put(settings: GatewaySettings, options?: GatewayPut): Promise<boolean>;
  /** Deletes the gateway and its routes' history. */
  delete(id: string): Promise<boolean>;
}
