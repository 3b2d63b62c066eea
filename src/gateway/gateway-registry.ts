import { ApiError, forbidden, notFound, unauthorized } from '../api/errors.ts';
import { defaultGateway, type GatewaySettings } from '../api/gateway-settings.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import { isAdmin, type Principal } from './principal.ts';

export const DEFAULT_GATEWAY = 'default';

export function gatewayNotFound(id: string): ApiError {
  return notFound(`The gateway '${id.slice(0, 64)}' does not exist.`, 'gateway_not_found', 'gateway');
}

/**
 * Every gateway: those of the config file (read-only), those made through the admin API,
 * and `default`, which always exists (with Cloudflare's defaults unless configured).
 */
export class GatewayRegistry {
  constructor(
    private readonly configured: ReadonlyMap<string, GatewaySettings>,
    private readonly store: GatewayStore,
    private readonly now: () => number,
  ) {}

  async get(id: string): Promise<GatewaySettings | undefined> {
    const settings = this.configured.get(id) ?? (await this.store.get(id));
    if (settings) return settings;
    return id === DEFAULT_GATEWAY ? defaultGateway(DEFAULT_GATEWAY, 'builtin', 0) : undefined;
  }

  async list(): Promise<GatewaySettings[]> {
    const all = new Map<string, GatewaySettings>([
      [DEFAULT_GATEWAY, defaultGateway(DEFAULT_GATEWAY, 'builtin', 0)],
    ]);
    for (const settings of await this.store.list()) all.set(settings.id, settings);
    for (const settings of this.configured.values()) all.set(settings.id, settings);
    return [...all.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  isConfigured(id: string): boolean {
    return this.configured.has(id);
  }

  /** Milliseconds since the epoch, for the admin API's timestamps. */
  clock(): number {
    return this.now();
  }

  /**
   * The gateway a principal's request runs through: the one asked for, else the key's default,
   * else `default`. A 404 names an unknown id; a gateway with authentication refuses a
   * request without a key; a key scoped to other gateways is refused this one.
   */
  async admit(principal: Principal, requested: string | undefined): Promise<GatewaySettings> {
    const id = requested ?? principal.defaultGateway ?? DEFAULT_GATEWAY;
    const gateway = await this.get(id);
    if (!gateway) throw gatewayNotFound(id);
    if (!principal.authenticated && gateway.authentication) {
      throw unauthorized(
        `The gateway '${id}' requires an API key: send it as 'Authorization: Bearer <key>', 'x-api-key' or 'cf-aig-authorization'.`,
        'missing_api_key',
      );
    }
    const allowed = principal.scopes.gateways;
    if (allowed && !allowed.includes(id) && !isAdmin(principal)) {
      throw forbidden(`This key may not use the gateway '${id}'.`, 'gateway_not_allowed', 'gateway');
    }
    return gateway;
  }
}
