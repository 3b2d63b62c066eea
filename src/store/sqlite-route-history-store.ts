import type { Database } from 'better-sqlite3';
import type { DynamicRoute, RouteElement } from '../api/dynamic-route.ts';
import { planRouteHistory } from './route-history-plan.ts';
import { SQLITE_ROUTE_HISTORY_MIGRATIONS } from './route-history-migrations.ts';
import {
  deploymentFromRow,
  historyState,
  planStatements,
  pruneStatements,
  recordsFromRows,
  ROUTE_SQL,
  versionFromRow,
  type DeployedRow,
  type DeploymentRow,
  type NameRow,
  type RecordRow,
  type RouteStatement,
  type VersionRow,
} from './route-history-sql.ts';
import type { RouteDeployment, RouteHistoryStore, RouteRecord, RouteVersion } from './route-history-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';
import { randomUUID } from 'node:crypto';

/** Dynamic routes' history on SQLite; the gateway store records it inside its own writes (`record`). */
export class SqliteRouteHistoryStore implements RouteHistoryStore {
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, commits: SqliteGroupCommit) {
    migrate(db, 'route_history', SQLITE_ROUTE_HISTORY_MIGRATIONS);
    this.#sql = new StatementCache(db);
    this.#commits = commits;
  }

  async records(gateway: string): Promise<Map<string, RouteRecord>> {
    return recordsFromRows(this.#sql.get(ROUTE_SQL.records).all(gateway) as RecordRow[]);
  }

  async versions(gateway: string, routeId: string): Promise<RouteVersion[]> {
    return (this.#sql.get(ROUTE_SQL.versions).all(gateway, routeId) as VersionRow[]).map(versionFromRow);
  }

  async version(gateway: string, routeId: string, versionId: string): Promise<RouteVersion | undefined> {
    const row = this.#sql.get(ROUTE_SQL.versionOf).get(gateway, routeId, versionId) as VersionRow | undefined;
    return row && versionFromRow(row);
  }

  async deployments(gateway: string, routeId: string): Promise<RouteDeployment[]> {
    return (this.#sql.get(ROUTE_SQL.deployments).all(gateway, routeId) as DeploymentRow[]).map(
      deploymentFromRow,
    );
  }

  async addVersion(
    gateway: string,
    routeId: string,
    elements: RouteElement[],
    now: number,
  ): Promise<RouteVersion | undefined> {
    return this.#commits.write(() => {
      if (!this.#sql.get(ROUTE_SQL.hasRoute).get(gateway, routeId)) return undefined;
      const version = { id: randomUUID(), createdAt: now, elements };
      this.#run([
        [ROUTE_SQL.insertVersion, [gateway, routeId, version.id, now, JSON.stringify(elements)]],
        [ROUTE_SQL.touchRoute, [now, gateway, routeId]],
        ...pruneStatements(gateway, routeId),
      ]);
      return version;
    });
  }

  async follow(gateway: string, routes: readonly DynamicRoute[], now: number): Promise<void> {
    await this.#commits.write(() => this.record(gateway, routes, new Map(), now));
  }

  /** Brings the gateway's history in line with `routes`; to be run inside a write (the gateway store's). */
  record(
    gateway: string,
    routes: readonly DynamicRoute[],
    deploy: ReadonlyMap<string, string>,
    now: number,
  ): void {
    const names = this.#sql.get(ROUTE_SQL.names).all(gateway) as NameRow[];
    const deployed = this.#sql.get(ROUTE_SQL.deployed).all(gateway) as DeployedRow[];
    const asked = [...deploy].flatMap(
      ([routeId, versionId]) =>
        (this.#sql.get(ROUTE_SQL.versionOf).get(gateway, routeId, versionId) as VersionRow | undefined) ?? [],
    );
    const state = historyState(names, deployed, asked);
    this.#run(planStatements(gateway, planRouteHistory(routes, state, deploy), state.names, now));
  }

  /** Deletes the gateway's history; to be run inside a write (the gateway store's delete). */
  forget(gateway: string): void {
    this.#run(ROUTE_SQL.forgetGateway.map((text) => [text, [gateway]]));
  }

  #run(statements: RouteStatement[]): void {
    for (const [text, values] of statements) this.#sql.get(text).run(...values);
  }
}
