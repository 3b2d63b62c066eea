import type { Migration } from './migration.ts';

const tables = (serial: string, integer: string, strict: string) => `
  CREATE TABLE dynamic_routes (
    gateway TEXT NOT NULL,
    route_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at ${integer} NOT NULL,
    modified_at ${integer} NOT NULL,
    PRIMARY KEY (gateway, route_id)
  )${strict};
  CREATE TABLE dynamic_route_versions (
    seq ${serial},
    gateway TEXT NOT NULL,
    route_id TEXT NOT NULL,
    version_id TEXT NOT NULL UNIQUE,
    created_at ${integer} NOT NULL,
    elements_json TEXT NOT NULL
  )${strict};
  CREATE INDEX dynamic_route_versions_by_route ON dynamic_route_versions (gateway, route_id, seq);
  CREATE TABLE dynamic_route_deployments (
    seq ${serial},
    gateway TEXT NOT NULL,
    route_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL UNIQUE,
    version_id TEXT NOT NULL,
    created_at ${integer} NOT NULL
  )${strict};
  CREATE INDEX dynamic_route_deployments_by_route ON dynamic_route_deployments (gateway, route_id, seq);
`;

/**
 * Dynamic routes' history (route-history-store.ts): a record per route, its versions and its
 * deployments, each list in the order written (`seq`). The same tables on both backends.
 */
export const SQLITE_ROUTE_HISTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "dynamic routes' versions and deployments",
    sql: tables('INTEGER PRIMARY KEY', 'INTEGER', ' STRICT'),
  },
];

export const POSTGRES_ROUTE_HISTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "dynamic routes' versions and deployments",
    sql: tables('BIGSERIAL PRIMARY KEY', 'BIGINT', ''),
  },
];
