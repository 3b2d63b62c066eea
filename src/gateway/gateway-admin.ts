import { ApiError, badRequest } from '../api/errors.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { z } from 'zod';
import {
  applyGatewaySettings,
  defaultGateway,
  type GatewaySettings,
  type GatewaySettingsInput,
} from '../api/gateway-settings.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import { DEFAULT_GATEWAY, gatewayNotFound, type GatewayRegistry } from './gateway-registry.ts';
import { unknownRouteModels } from './route-models.ts';

type Input = z.output<typeof GatewaySettingsInput>;

function readOnly(id: string): ApiError {
  return new ApiError({
    status: 409,
    type: 'invalid_request_error',
    code: 'gateway_read_only',
    param: 'id',
    message: `The gateway '${id}' is defined in the config file: change it there.`,
    retryable: false,
  });
}

/** Making, changing and deleting gateways through the admin API; the config file's stay as written. */
export class GatewayAdmin {
  constructor(
    private readonly registry: GatewayRegistry,
    private readonly store: GatewayStore,
    private readonly catalog: Catalog,
  ) {}

  async create(id: string, input: Input): Promise<GatewaySettings> {
    this.checkRoutes(input);
    if (await this.exists(id))
      throw new ApiError({
        status: 409,
        type: 'invalid_request_error',
        code: 'gateway_exists',
        param: 'id',
        message: `A gateway with id '${id}' already exists.`,
        retryable: false,
      });
    const settings = applyGatewaySettings(defaultGateway(id, 'api', this.registry.clock()), input);
    await this.store.put(settings);
    return settings;
  }

  /** `default` can be changed even before it was ever stored: it starts from its built-in settings. */
  async update(id: string, input: Input): Promise<GatewaySettings> {
    if (this.registry.isConfigured(id)) throw readOnly(id);
    this.checkRoutes(input);
    const current = await this.registry.get(id);
    if (!current) throw gatewayNotFound(id);
    const now = this.registry.clock();
    const base = current.source === 'builtin' ? defaultGateway(id, 'api', now) : current;
    const settings = { ...applyGatewaySettings(base, input), source: 'api' as const, updatedAt: now };
    await this.store.put(settings);
    return settings;
  }

  /** Deleting `default` brings back its built-in settings (it always exists, as on Cloudflare). */
  async delete(id: string): Promise<void> {
    if (this.registry.isConfigured(id)) throw readOnly(id);
    const deleted = await this.store.delete(id);
    if (!deleted && id !== DEFAULT_GATEWAY) throw gatewayNotFound(id);
  }

  /** A route's model elements must name models of the catalog: a 400 names the first that does not. */
  private checkRoutes(input: Input): void {
    const [unknown] = unknownRouteModels(input.routes ?? [], this.catalog);
    if (unknown)
      throw badRequest(unknown.path, `Invalid '${unknown.path}': ${unknown.problem}.`, 'invalid_value');
  }

  private async exists(id: string): Promise<boolean> {
    return (await this.registry.get(id)) !== undefined;
  }
}
