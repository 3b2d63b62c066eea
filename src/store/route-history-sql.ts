import { LIMITS } from '../api/limits.ts';
import type { RouteElement } from '../api/dynamic-route.ts';
import type { RouteHistoryPlan, RouteHistoryState } from './route-history-plan.ts';
import type { RouteDeployment, RouteRecord, RouteVersion } from './route-history-store.ts';

/**
 * The route history's statements, written once with `?` placeholders for both backends
 * (PostgreSQL numbers them: postgres-route-history-store.ts), and what to run in which order.
 */
const LATEST_DEPLOYMENT = `d.seq = (SELECT MAX(seq) FROM dynamic_route_deployments
  WHERE gateway = d.gateway AND route_id = d.route_id)`;

export const ROUTE_SQL = {
  names: `SELECT route_id, name FROM dynamic_routes WHERE gateway = ?`,
  deployed: `SELECT d.route_id, d.version_id, v.elements_json FROM dynamic_route_deployments d
    JOIN dynamic_route_versions v ON v.version_id = d.version_id
    WHERE d.gateway = ? AND ${LATEST_DEPLOYMENT}`,
  versionOf: `SELECT version_id, created_at, elements_json FROM dynamic_route_versions
    WHERE gateway = ? AND route_id = ? AND version_id = ?`,
  records: `SELECT r.route_id, r.created_at, r.modified_at, d.deployment_id, d.version_id,
      d.created_at AS deployed_at, v.created_at AS version_created_at, v.elements_json
    FROM dynamic_routes r
    JOIN dynamic_route_deployments d ON d.gateway = r.gateway AND d.route_id = r.route_id
    JOIN dynamic_route_versions v ON v.version_id = d.version_id
    WHERE r.gateway = ? AND ${LATEST_DEPLOYMENT}`,
  versions: `SELECT version_id, created_at, elements_json FROM dynamic_route_versions
    WHERE gateway = ? AND route_id = ? ORDER BY seq DESC`,
  deployments: `SELECT deployment_id, version_id, created_at FROM dynamic_route_deployments
    WHERE gateway = ? AND route_id = ? ORDER BY seq DESC`,
  hasRoute: `SELECT 1 AS found FROM dynamic_routes WHERE gateway = ? AND route_id = ?`,
  insertRoute: `INSERT INTO dynamic_routes (gateway, route_id, name, created_at, modified_at) VALUES (?, ?, ?, ?, ?)`,
  renameRoute: `UPDATE dynamic_routes SET name = ?, modified_at = ? WHERE gateway = ? AND route_id = ?`,
  touchRoute: `UPDATE dynamic_routes SET modified_at = ? WHERE gateway = ? AND route_id = ?`,
  insertVersion: `INSERT INTO dynamic_route_versions (gateway, route_id, version_id, created_at, elements_json)
    VALUES (?, ?, ?, ?, ?)`,
  insertDeployment: `INSERT INTO dynamic_route_deployments (gateway, route_id, deployment_id, version_id, created_at)
    VALUES (?, ?, ?, ?, ?)`,
  /** Beyond the newest LIMITS.routeVersions, every version but the deployed one. */
  pruneVersions: `DELETE FROM dynamic_route_versions WHERE gateway = ? AND route_id = ? AND seq NOT IN
    (SELECT seq FROM dynamic_route_versions WHERE gateway = ? AND route_id = ? ORDER BY seq DESC LIMIT ${LIMITS.routeVersions})
    AND version_id NOT IN (SELECT d.version_id FROM dynamic_route_deployments d
      WHERE d.gateway = ? AND d.route_id = ? AND ${LATEST_DEPLOYMENT})`,
  pruneDeployments: `DELETE FROM dynamic_route_deployments WHERE gateway = ? AND route_id = ? AND seq NOT IN
    (SELECT seq FROM dynamic_route_deployments WHERE gateway = ? AND route_id = ? ORDER BY seq DESC LIMIT ${LIMITS.routeDeployments})`,
  forgetRoute: [
    `DELETE FROM dynamic_route_deployments WHERE gateway = ? AND route_id = ?`,
    `DELETE FROM dynamic_route_versions WHERE gateway = ? AND route_id = ?`,
    `DELETE FROM dynamic_routes WHERE gateway = ? AND route_id = ?`,
  ],
  forgetGateway: [
    `DELETE FROM dynamic_route_deployments WHERE gateway = ?`,
    `DELETE FROM dynamic_route_versions WHERE gateway = ?`,
    `DELETE FROM dynamic_routes WHERE gateway = ?`,
  ],
} as const;

/** A statement and its values. */
export type RouteStatement = [text: string, values: unknown[]];

export interface NameRow {
  route_id: string;
  name: string;
}
export interface DeployedRow {
  route_id: string;
  version_id: string;
  elements_json: string;
}
export interface VersionRow {
  version_id: string;
  created_at: number | string;
  elements_json: string;
}
export interface DeploymentRow {
  deployment_id: string;
  version_id: string;
  created_at: number | string;
}
export interface RecordRow {
  route_id: string;
  created_at: number | string;
  modified_at: number | string;
  deployment_id: string;
  version_id: string;
  deployed_at: number | string;
  version_created_at: number | string;
  elements_json: string;
}

/** The history's state from its rows, for planRouteHistory. */
export function historyState(
  names: NameRow[],
  deployed: DeployedRow[],
  asked: VersionRow[],
): RouteHistoryState {
  return {
    names: new Map(names.map((row) => [row.route_id, row.name])),
    deployed: new Map(
      deployed.map((row) => [row.route_id, { versionId: row.version_id, elementsJson: row.elements_json }]),
    ),
    asked: new Map(asked.map((row) => [row.version_id, row.elements_json])),
  };
}

/** The statements that carry out a plan, in order: records, versions, deployments, prunes, then the routes gone. */
export function planStatements(
  gateway: string,
  plan: RouteHistoryPlan,
  names: ReadonlyMap<string, string>,
  now: number,
): RouteStatement[] {
  const statements: RouteStatement[] = [];
  for (const route of plan.routes)
    statements.push(
      route.isNew
        ? [ROUTE_SQL.insertRoute, [gateway, route.routeId, route.name, now, now]]
        : [ROUTE_SQL.renameRoute, [route.name, now, gateway, route.routeId]],
    );
  for (const version of plan.versions)
    statements.push([
      ROUTE_SQL.insertVersion,
      [gateway, version.routeId, version.versionId, now, version.elementsJson],
    ]);
  for (const deployment of plan.deployments)
    statements.push(
      [
        ROUTE_SQL.insertDeployment,
        [gateway, deployment.routeId, deployment.deploymentId, deployment.versionId, now],
      ],
      [ROUTE_SQL.touchRoute, [now, gateway, deployment.routeId]],
      ...pruneStatements(gateway, deployment.routeId),
    );
  const kept = new Set(plan.kept);
  for (const routeId of names.keys())
    if (!kept.has(routeId))
      for (const text of ROUTE_SQL.forgetRoute) statements.push([text, [gateway, routeId]]);
  return statements;
}

export function pruneStatements(gateway: string, routeId: string): RouteStatement[] {
  return [
    [ROUTE_SQL.pruneVersions, [gateway, routeId, gateway, routeId, gateway, routeId]],
    [ROUTE_SQL.pruneDeployments, [gateway, routeId, gateway, routeId]],
  ];
}

export function versionFromRow(row: VersionRow): RouteVersion {
  return {
    id: row.version_id,
    createdAt: Number(row.created_at),
    elements: JSON.parse(row.elements_json) as RouteElement[],
  };
}

export function deploymentFromRow(row: DeploymentRow): RouteDeployment {
  return { id: row.deployment_id, versionId: row.version_id, createdAt: Number(row.created_at) };
}

export function recordsFromRows(rows: RecordRow[]): Map<string, RouteRecord> {
  return new Map(
    rows.map((row) => [
      row.route_id,
      {
        createdAt: Number(row.created_at),
        modifiedAt: Number(row.modified_at),
        deployment: { id: row.deployment_id, versionId: row.version_id, createdAt: Number(row.deployed_at) },
        version: versionFromRow({
          version_id: row.version_id,
          created_at: row.version_created_at,
          elements_json: row.elements_json,
        }),
      },
    ]),
  );
}
