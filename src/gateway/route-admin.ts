import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../api/errors.ts';
import { routeId, type DynamicRoute, type RouteElement } from '../api/dynamic-route.ts';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import { clip, LIMITS } from '../api/limits.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { RouteHistoryStore, RouteRecord, RouteVersion } from '../store/route-history-store.ts';
import { readOnly, type GatewayAdmin } from './gateway-admin.ts';
import { gatewayNotFound, type GatewayRegistry } from './gateway-registry.ts';
import { unknownElementModels } from './route-models.ts';

/** A route of a gateway with its history. */
export interface ManagedRoute {
  gateway: string;
  id: string;
  route: DynamicRoute;
  record: RouteRecord;
}

function routeNotFound(id: string): never {
  throw notFound(`The route '${clip(id)}' does not exist on this gateway.`, 'route_not_found', 'id');
}

/**
 * Cloudflare's route API over a gateway's `routes` setting: a route made here is a route of
 * the setting (with an id of its own), a deployment writes the version's graph into the
 * setting, and the history follows in the same transaction (route-history-store.ts). Every
 * change goes through GatewayAdmin.change: config-file gateways are read-only, and concurrent
 * writers never undo each other.
 */
export class RouteAdmin {
  constructor(
    private readonly registry: GatewayRegistry,
    private readonly admin: GatewayAdmin,
    private readonly store: GatewayStore,
    private readonly history: RouteHistoryStore,
    private readonly catalog: Catalog,
  ) {}

  /** The gateway's routes, in the setting's order, each with its history. */
  async list(gateway: string): Promise<ManagedRoute[]> {
    const settings = await this.settings(gateway);
    const records = await this.records(settings);
    return (settings.routes ?? []).flatMap((route) => {
      const record = records.get(routeId(route));
      return record ? [{ gateway, id: routeId(route), route, record }] : [];
    });
  }

  async get(gateway: string, id: string): Promise<ManagedRoute> {
    return (await this.list(gateway)).find((managed) => managed.id === id) ?? routeNotFound(id);
  }

  /** A new route: its first version, deployed. */
  async create(gateway: string, name: string, elements: RouteElement[]): Promise<ManagedRoute> {
    this.checkModels(elements);
    const id = randomUUID();
    await this.admin.change(gateway, (base) => {
      const routes = base.routes ?? [];
      if (routes.some((route) => route.name === name))
        throw badRequest(
          'name',
          `Another route of the gateway '${gateway}' is named '${name}'.`,
          'route_exists',
        );
      if (routes.length >= LIMITS.routesPerGateway)
        throw badRequest(
          'name',
          `A gateway holds at most ${LIMITS.routesPerGateway} routes.`,
          'too_many_routes',
        );
      return { ...base, routes: [...routes, { id, name, elements }] };
    });
    return this.get(gateway, id);
  }

  async rename(gateway: string, id: string, name: string): Promise<ManagedRoute> {
    await this.change(gateway, id, (route, routes) => {
      if (routes.some((other) => other.name === name && routeId(other) !== id))
        throw badRequest(
          'name',
          `Another route of the gateway '${gateway}' is named '${name}'.`,
          'route_exists',
        );
      return { ...route, id, name };
    });
    return this.get(gateway, id);
  }

  /** Removes the route (and its history); answers it as it was. */
  async delete(gateway: string, id: string): Promise<ManagedRoute> {
    const before = await this.get(gateway, id);
    await this.change(gateway, id, () => undefined);
    return before;
  }

  /** A new version of the route's graph, not deployed (a config file's routes have the file's only). */
  async addVersion(
    gateway: string,
    id: string,
    elements: RouteElement[],
  ): Promise<[ManagedRoute, RouteVersion]> {
    if (this.registry.isConfigured(gateway)) throw readOnly(gateway);
    this.checkModels(elements);
    await this.get(gateway, id);
    const version = await this.history.addVersion(gateway, id, elements, this.registry.clock());
    return [await this.get(gateway, id), version ?? routeNotFound(id)];
  }

  async versions(gateway: string, id: string): Promise<[ManagedRoute, RouteVersion[]]> {
    const managed = await this.get(gateway, id);
    return [managed, await this.history.versions(gateway, id)];
  }

  async version(gateway: string, id: string, versionId: string): Promise<[ManagedRoute, RouteVersion]> {
    const managed = await this.get(gateway, id);
    const version = await this.history.version(gateway, id, versionId);
    if (!version)
      throw notFound(
        `The route '${clip(id)}' has no version '${clip(versionId)}'.`,
        'route_version_not_found',
        'version_id',
      );
    return [managed, version];
  }

  /** Runs the version: its graph becomes the route's in the gateway's setting. */
  async deploy(gateway: string, id: string, versionId: string): Promise<ManagedRoute> {
    const [, version] = await this.version(gateway, id, versionId);
    await this.change(
      gateway,
      id,
      (route) => ({ ...route, id, elements: version.elements }),
      new Map([[id, versionId]]),
    );
    return this.get(gateway, id);
  }

  async deployments(gateway: string, id: string) {
    await this.get(gateway, id);
    return this.history.deployments(gateway, id);
  }

  /** Changes one route of the setting (undefined: removes it); a 404 when it is gone meanwhile. */
  private async change(
    gateway: string,
    id: string,
    modify: (route: DynamicRoute, routes: readonly DynamicRoute[]) => DynamicRoute | undefined,
    deploy?: ReadonlyMap<string, string>,
  ): Promise<void> {
    await this.admin.change(
      gateway,
      (base) => {
        const routes = base.routes ?? [];
        const at = routes.findIndex((route) => routeId(route) === id);
        if (at < 0) routeNotFound(id);
        const changed = modify(routes[at]!, routes);
        return {
          ...base,
          routes: routes.flatMap((route, index) => (index !== at ? [route] : changed ? [changed] : [])),
        };
      },
      deploy,
    );
  }

  private async settings(gateway: string): Promise<GatewaySettings> {
    const settings = await this.registry.get(gateway);
    if (!settings) throw gatewayNotFound(gateway);
    return settings;
  }

  /**
   * The history of the gateway's routes. Routes with none yet (a config file's gateway, or one
   * stored before routes had a history) are recorded as deployed first: a config file's through
   * `follow`, a stored one by writing its settings back unchanged, which records them in the
   * gateway store's transaction unless another writer changed the gateway meanwhile (then that
   * write recorded them).
   */
  private async records(settings: GatewaySettings): Promise<Map<string, RouteRecord>> {
    const records = await this.history.records(settings.id);
    const routes = settings.routes ?? [];
    const elements = (route: DynamicRoute) => JSON.stringify(route.elements);
    const behind = routes.some((route) => {
      const record = records.get(routeId(route));
      return !record || JSON.stringify(record.version.elements) !== elements(route);
    });
    if (!behind) return records;
    if (settings.source === 'api') await this.store.put(settings, { expected: settings });
    else await this.history.follow(settings.id, routes, this.registry.clock());
    return this.history.records(settings.id);
  }

  /** A model element must name a model of the catalog, as `/v1/gateways` checks it. */
  private checkModels(elements: readonly RouteElement[]): void {
    const [unknown] = unknownElementModels(elements, this.catalog);
    if (unknown)
      throw badRequest(unknown.path, `Invalid '${unknown.path}': ${unknown.problem}.`, 'invalid_value');
  }
}
