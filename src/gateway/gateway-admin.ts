import { ApiError, badRequest } from '../api/errors.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { z } from 'zod';
import { routeId, type DynamicRoute } from '../api/dynamic-route.ts';
import {
  applyGatewaySettings,
  defaultGateway,
  type GatewaySettings,
  type GatewaySettingsInput,
} from '../api/gateway-settings.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { ProviderConfigAdmin } from './provider-config-admin.ts';
import { DEFAULT_GATEWAY, gatewayNotFound, type GatewayRegistry } from './gateway-registry.ts';
import { unknownRouteModels } from './route-models.ts';

type Input = z.output<typeof GatewaySettingsInput>;

/** Tries of a read-modify-write that another writer keeps beating before it gives up (a 409). */
const WRITE_TRIES = 8;

export function readOnly(id: string): ApiError {
  return new ApiError({
    status: 409,
    type: 'invalid_request_error',
    code: 'gateway_read_only',
    param: 'id',
    message: `The gateway '${id}' is defined in the config file: change it there.`,
    retryable: false,
  });
}

/**
 * A route written without an id keeps the id of the route of that name it replaces, so a
 * whole-list `PATCH` that leaves ids out keeps each route's history (route-history-store.ts).
 */
function keepRouteIds(routes: DynamicRoute[], before: readonly DynamicRoute[] | undefined): DynamicRoute[] {
  const ids = new Map(
    (before ?? []).flatMap((route) => (route.id === undefined ? [] : [[route.name, route.id]])),
  );
  const taken = new Set(routes.map(routeId));
  return routes.map((route) => {
    const id = ids.get(route.name);
    return route.id !== undefined || id === undefined || taken.has(id) ? route : { id, ...route };
  });
}

/** Making, changing and deleting gateways through the admin API; the config file's stay as written. */
export class GatewayAdmin {
  constructor(
    private readonly registry: GatewayRegistry,
    private readonly store: GatewayStore,
    private readonly catalog: Catalog,
    /** The provider keys stored per gateway: a deleted gateway's go with it. */
    private readonly providerConfigs: Pick<ProviderConfigAdmin, 'deleteGateway'>,
    /** Told of every change written (a lowered log cap is trimmed at once). */
    private readonly written: (settings: GatewaySettings) => void = () => {},
  ) {}

  async create(id: string, input: Input): Promise<GatewaySettings> {
    this.checkRoutes(input);
    const settings = applyGatewaySettings(defaultGateway(id, 'api', this.registry.clock()), input);
    // `expected: null`: a gateway made meanwhile by another worker is not overwritten.
    if ((await this.registry.get(id)) || !(await this.store.put(settings, { expected: null })))
      throw new ApiError({
        status: 409,
        type: 'invalid_request_error',
        code: 'gateway_exists',
        param: 'id',
        message: `A gateway with id '${id}' already exists.`,
        retryable: false,
      });
    return settings;
  }

  /** `default` can be changed even before it was ever stored: it starts from its built-in settings. */
  async update(id: string, input: Input): Promise<GatewaySettings> {
    if (this.registry.isConfigured(id)) throw readOnly(id);
    this.checkRoutes(input);
    return this.change(id, (base) => {
      const settings = applyGatewaySettings(base, input);
      return input.routes === undefined
        ? settings
        : { ...settings, routes: keepRouteIds(input.routes, base.routes) };
    });
  }

  /**
   * Writes `modify`'s settings over the stored ones, again from a fresh read while another
   * writer (another request, worker or replica) changed them meanwhile: no change is lost.
   * `deploy` names the versions to deploy (GatewayPut.deploy).
   */
  async change(
    id: string,
    modify: (base: GatewaySettings) => GatewaySettings,
    deploy?: ReadonlyMap<string, string>,
  ): Promise<GatewaySettings> {
    if (this.registry.isConfigured(id)) throw readOnly(id);
    for (let tries = 0; tries < WRITE_TRIES; tries++) {
      const current = await this.registry.get(id);
      if (!current) throw gatewayNotFound(id);
      const now = this.registry.clock();
      const stored = current.source !== 'builtin';
      const base = stored ? current : defaultGateway(id, 'api', now);
      const settings = { ...modify(base), source: 'api' as const, updatedAt: now };
      const options = { expected: stored ? current : null, ...(deploy ? { deploy } : {}) };
      if (await this.store.put(settings, options)) {
        this.written(settings);
        return settings;
      }
    }
    throw new ApiError({
      status: 409,
      type: 'invalid_request_error',
      code: 'gateway_changed',
      param: 'id',
      message: `The gateway '${id}' kept changing while this change was made: try again.`,
      retryable: true,
    });
  }

  /** Deleting `default` brings back its built-in settings (it always exists, as on Cloudflare). */
  async delete(id: string): Promise<void> {
    if (this.registry.isConfigured(id)) throw readOnly(id);
    const deleted = await this.store.delete(id);
    if (!deleted && id !== DEFAULT_GATEWAY) throw gatewayNotFound(id);
    await this.providerConfigs.deleteGateway(id);
  }

  /** A route's model elements must name models of the catalog: a 400 names the first that does not. */
  private checkRoutes(input: Input): void {
    const [unknown] = unknownRouteModels(input.routes ?? [], this.catalog);
    if (unknown)
      throw badRequest(unknown.path, `Invalid '${unknown.path}': ${unknown.problem}.`, 'invalid_value');
  }
}
