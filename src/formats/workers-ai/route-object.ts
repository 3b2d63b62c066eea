import { z } from 'zod';
import { cloudflarePageQuery, pageItems, type CloudflarePage } from './cloudflare-page.ts';
import { ROUTE_NAME, type DynamicRoute } from '../../api/dynamic-route.ts';
import { LIMITS } from '../../api/limits.ts';
import type { RouteDeployment, RouteRecord, RouteVersion } from '../../store/route-history-store.ts';

/** Cloudflare's route API (`aiGateway.dynamicRouting`) in its SDK's wire shapes. */

/** `update`: a route's name, the one thing an update changes (a graph changes by a new version). */
export const CloudflareRouteUpdate = z.strictObject({ name: ROUTE_NAME });

/** `createDeployment`. */
export const CloudflareRouteDeploy = z.strictObject({
  version_id: z.string('must be a version id').min(1, 'must be a version id').max(LIMITS.idChars),
});

/**
 * `list`, `listVersions`, `listDeployments`: numbered pages. One page holds every route,
 * version and deployment unless asked for less: the SDK's `listVersions` and
 * `listDeployments` send no page, and its `list` does not follow pages.
 */
export const CloudflareRoutePageQuery = cloudflarePageQuery(100);

/** The items of one page, and the page as Cloudflare's lists describe it. */
export function routePage<T>(items: readonly T[], query: CloudflarePage) {
  return {
    items: pageItems(items, query),
    page: query.page,
    per_page: query.per_page,
    order_by: 'created_at',
    order_by_direction: 'desc',
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A route as its gateway runs it. */
export interface RouteView {
  account: string;
  gateway: string;
  id: string;
  route: DynamicRoute;
  record: RouteRecord;
}

/** A version in a list: `data` is its graph as JSON, `active` whether it is the deployed one. */
export function versionEntry(version: RouteVersion, record: RouteRecord) {
  return {
    version_id: version.id,
    created_at: iso(version.createdAt),
    active: version.id === record.deployment.versionId ? ('true' as const) : ('false' as const),
    data: JSON.stringify(version.elements),
  };
}

export function deploymentObject(deployment: RouteDeployment) {
  return {
    deployment_id: deployment.id,
    version_id: deployment.versionId,
    created_at: iso(deployment.createdAt),
  };
}

/** `get`, `create`, `list`'s routes and the rest: the route with its deployed version. */
export function routeObject(view: RouteView) {
  return {
    id: view.id,
    account_tag: view.account,
    gateway_id: view.gateway,
    name: view.route.name,
    elements: view.route.elements,
    created_at: iso(view.record.createdAt),
    modified_at: iso(view.record.modifiedAt),
    deployment: deploymentObject(view.record.deployment),
    version: versionEntry(view.record.version, view.record),
  };
}

/** `getVersion` and `createVersion`: the route's name and ids with one version's graph. */
export function versionObject(view: RouteView, version: RouteVersion) {
  return {
    id: view.id,
    gateway_id: view.gateway,
    name: view.route.name,
    modified_at: iso(view.record.modifiedAt),
    elements: version.elements,
    ...versionEntry(version, view.record),
  };
}
