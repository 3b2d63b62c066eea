import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { DynamicRoute, RouteElement } from '../api/dynamic-route.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import { planRouteHistory } from './route-history-plan.ts';
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

/** The shared statements with PostgreSQL's numbered placeholders. */
function numbered(text: string) {
  let index = 0;
  return sql(text.replace(/\?/g, () => `$${++index}`));
}

/**
 * One gateway's history is written by one transaction at a time, on every replica: two writes
 * planned from the same state would both add a deployment.
 */
const LOCK = sql(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.portico_routes.' || $1))`);

/** Dynamic routes' history on PostgreSQL; the gateway store records it inside its own transactions (`record`). */
export class PostgresRouteHistoryStore implements RouteHistoryStore {
  constructor(private readonly db: PostgresDatabase) {}

  async records(gateway: string): Promise<Map<string, RouteRecord>> {
    return recordsFromRows(await this.db.query<RecordRow>(numbered(ROUTE_SQL.records), [gateway]));
  }

  async versions(gateway: string, routeId: string): Promise<RouteVersion[]> {
    return (await this.db.query<VersionRow>(numbered(ROUTE_SQL.versions), [gateway, routeId])).map(
      versionFromRow,
    );
  }

  async version(gateway: string, routeId: string, versionId: string): Promise<RouteVersion | undefined> {
    const [row] = await this.db.query<VersionRow>(numbered(ROUTE_SQL.versionOf), [
      gateway,
      routeId,
      versionId,
    ]);
    return row && versionFromRow(row);
  }

  async deployments(gateway: string, routeId: string): Promise<RouteDeployment[]> {
    return (await this.db.query<DeploymentRow>(numbered(ROUTE_SQL.deployments), [gateway, routeId])).map(
      deploymentFromRow,
    );
  }

  async addVersion(
    gateway: string,
    routeId: string,
    elements: RouteElement[],
    now: number,
  ): Promise<RouteVersion | undefined> {
    return this.db.transaction(async (client) => {
      await this.db.query(LOCK, [gateway], client);
      if ((await this.db.query(numbered(ROUTE_SQL.hasRoute), [gateway, routeId], client)).length === 0)
        return undefined;
      const version = { id: randomUUID(), createdAt: now, elements };
      await this.#run(client, [
        [ROUTE_SQL.insertVersion, [gateway, routeId, version.id, now, JSON.stringify(elements)]],
        [ROUTE_SQL.touchRoute, [now, gateway, routeId]],
        ...pruneStatements(gateway, routeId),
      ]);
      return version;
    });
  }

  async follow(gateway: string, routes: readonly DynamicRoute[], now: number): Promise<void> {
    await this.db.transaction((client) => this.record(client, gateway, routes, new Map(), now));
  }

  /** Brings the gateway's history in line with `routes`, inside the caller's transaction. */
  async record(
    client: PoolClient,
    gateway: string,
    routes: readonly DynamicRoute[],
    deploy: ReadonlyMap<string, string>,
    now: number,
  ): Promise<void> {
    await this.db.query(LOCK, [gateway], client);
    const names = await this.db.query<NameRow>(numbered(ROUTE_SQL.names), [gateway], client);
    const deployed = await this.db.query<DeployedRow>(numbered(ROUTE_SQL.deployed), [gateway], client);
    const asked: VersionRow[] = [];
    for (const [routeId, versionId] of deploy)
      asked.push(
        ...(await this.db.query<VersionRow>(
          numbered(ROUTE_SQL.versionOf),
          [gateway, routeId, versionId],
          client,
        )),
      );
    const state = historyState(names, deployed, asked);
    await this.#run(
      client,
      planStatements(gateway, planRouteHistory(routes, state, deploy), state.names, now),
    );
  }

  /** Deletes the gateway's history, inside the caller's transaction. */
  async forget(client: PoolClient, gateway: string): Promise<void> {
    await this.db.query(LOCK, [gateway], client);
    await this.#run(
      client,
      ROUTE_SQL.forgetGateway.map((text): RouteStatement => [text, [gateway]]),
    );
  }

  async #run(client: PoolClient, statements: RouteStatement[]): Promise<void> {
    for (const [text, values] of statements) await this.db.execute(numbered(text), values, client);
  }
}
