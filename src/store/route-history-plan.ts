import { randomUUID } from 'node:crypto';
import { routeId, type DynamicRoute } from '../api/dynamic-route.ts';

/** What a gateway's route history holds now, as far as bringing it in line with its routes needs. */
export interface RouteHistoryState {
  /** Route id to its name, for every route with a history. */
  names: ReadonlyMap<string, string>;
  /** Route id to its deployed version and that version's elements as JSON. */
  deployed: ReadonlyMap<string, { versionId: string; elementsJson: string }>;
  /** The versions asked to be deployed (GatewayPut.deploy) that exist, id to elements as JSON. */
  asked: ReadonlyMap<string, string>;
}

/** The writes that bring a gateway's route history in line with its `routes` setting. */
export interface RouteHistoryPlan {
  /** Routes to record, new ones first made. */
  routes: Array<{ routeId: string; name: string; isNew: boolean }>;
  versions: Array<{ routeId: string; versionId: string; elementsJson: string }>;
  deployments: Array<{ routeId: string; deploymentId: string; versionId: string }>;
  /** The route ids of the setting: every other route's history is deleted. */
  kept: string[];
}

/**
 * For each route of the setting: a route new to the history is recorded; a renamed one has
 * its name changed; one whose graph is not its deployed version's (or that was asked to deploy
 * another version of the same graph) gets a deployment, of the version asked for when its
 * graph is the route's, else of a new version of the route's graph. A route unchanged needs
 * no write. Pure, so SQLite and PostgreSQL apply the same plan.
 */
export function planRouteHistory(
  routes: readonly DynamicRoute[],
  state: RouteHistoryState,
  deploy: ReadonlyMap<string, string> = new Map(),
  newId: () => string = randomUUID,
): RouteHistoryPlan {
  const plan: RouteHistoryPlan = { routes: [], versions: [], deployments: [], kept: [] };
  for (const route of routes) {
    const id = routeId(route);
    plan.kept.push(id);
    const name = state.names.get(id);
    if (name !== route.name) plan.routes.push({ routeId: id, name: route.name, isNew: name === undefined });
    const elementsJson = JSON.stringify(route.elements);
    const deployed = state.deployed.get(id);
    const askedId = deploy.get(id);
    const asked = askedId !== undefined && state.asked.get(askedId) === elementsJson ? askedId : undefined;
    if (deployed?.elementsJson === elementsJson && (asked === undefined || asked === deployed.versionId))
      continue;
    let versionId = asked;
    if (versionId === undefined) {
      versionId = newId();
      plan.versions.push({ routeId: id, versionId, elementsJson });
    }
    plan.deployments.push({ routeId: id, deploymentId: newId(), versionId });
  }
  return plan;
}
