import type { DynamicRoute, RouteElement } from '../api/dynamic-route.ts';

/** One saved graph of a dynamic route: immutable once made. */
export interface RouteVersion {
  id: string;
  createdAt: number;
  elements: RouteElement[];
}

/** A route pointed at one of its versions, at a time. */
export interface RouteDeployment {
  id: string;
  versionId: string;
  createdAt: number;
}

/** What the history knows of a route beyond its graph: when it was made and last changed, and what is deployed. */
export interface RouteRecord {
  createdAt: number;
  modifiedAt: number;
  deployment: RouteDeployment;
  version: RouteVersion;
}

/**
 * The versions and deployments of a gateway's dynamic routes (Cloudflare's route API).
 *
 * What runs is the gateway's `routes` setting, read by every request from the gateway store as
 * before; this history follows it. The gateway store writes both in one transaction
 * (GatewayStore.put records, for every route whose graph changed, a version and its
 * deployment; a route gone from the setting takes its history with it), so the deployed
 * version is always the graph that runs, on every worker and replica, whoever changed it:
 * Cloudflare's route API, `PATCH /v1/gateways`, or Cloudflare's gateway API. Keeping the
 * running graph in the setting leaves the request path as it was (one read of the gateway).
 */
export interface RouteHistoryStore {
  /** Each route of the gateway that has a history, by route id. */
  records(gateway: string): Promise<Map<string, RouteRecord>>;
  /** The route's versions, newest first (at most LIMITS.routeVersions, and the deployed one). */
  versions(gateway: string, routeId: string): Promise<RouteVersion[]>;
  version(gateway: string, routeId: string, versionId: string): Promise<RouteVersion | undefined>;
  /** The route's deployments, newest first (at most LIMITS.routeDeployments). */
  deployments(gateway: string, routeId: string): Promise<RouteDeployment[]>;
  /**
   * Saves a version without deploying it; undefined when the route has no history (deleted
   * meanwhile). The oldest versions beyond the bound are pruned, never the deployed one.
   */
  addVersion(
    gateway: string,
    routeId: string,
    elements: RouteElement[],
    now: number,
  ): Promise<RouteVersion | undefined>;
  /**
   * Brings the history of a gateway that is not stored in line with its routes (a config file's
   * gateway, read-only while the server runs: its routes change only with the file).
   */
  follow(gateway: string, routes: readonly DynamicRoute[], now: number): Promise<void>;
}
