import type { GatewaySettings } from '../api/gateway-settings.ts';

/** Gateways made through the admin API (the config file's live in the config). Server-wide, admin only. */
export interface GatewayStore {
  list(): Promise<GatewaySettings[]>;
  get(id: string): Promise<GatewaySettings | undefined>;
  /** Creates or replaces. */
  put(settings: GatewaySettings): Promise<void>;
  delete(id: string): Promise<boolean>;
}
