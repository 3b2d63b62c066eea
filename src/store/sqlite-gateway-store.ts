import type { Database } from 'better-sqlite3';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { GatewayPut, GatewayStore } from './gateway-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate, type Migration } from './sqlite-migrations.ts';
import type { SqliteRouteHistoryStore } from './sqlite-route-history-store.ts';
import { StatementCache } from './statement-cache.ts';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'gateways made through the admin API',
    sql: `CREATE TABLE gateways (id TEXT PRIMARY KEY, settings_json TEXT NOT NULL) STRICT;`,
  },
];

/**
 * Gateways on SQLite; writes go through the group commit (`commits`), synced off the event loop,
 * each with its routes' history (`routes`) in the same transaction.
 */
export class SqliteGatewayStore implements GatewayStore {
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;
  readonly #routes: SqliteRouteHistoryStore;

  constructor(db: Database, commits: SqliteGroupCommit, routes: SqliteRouteHistoryStore) {
    migrate(db, 'gateways', MIGRATIONS);
    this.#sql = new StatementCache(db);
    this.#commits = commits;
    this.#routes = routes;
  }

  async list(): Promise<GatewaySettings[]> {
    const rows = this.#sql.get(`SELECT settings_json FROM gateways ORDER BY id`).all() as {
      settings_json: string;
    }[];
    return rows.map((row) => JSON.parse(row.settings_json) as GatewaySettings);
  }

  async get(id: string): Promise<GatewaySettings | undefined> {
    const row = this.#sql.get(`SELECT settings_json FROM gateways WHERE id = ?`).get(id) as
      { settings_json: string } | undefined;
    return row && (JSON.parse(row.settings_json) as GatewaySettings);
  }

  async put(settings: GatewaySettings, options: GatewayPut = {}): Promise<boolean> {
    const json = JSON.stringify(settings);
    return this.#commits.write(() => {
      const { expected } = options;
      const written =
        expected === undefined
          ? this.#sql
              .get(
                `INSERT INTO gateways (id, settings_json) VALUES (?, ?)
                 ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json`,
              )
              .run(settings.id, json)
          : expected === null
            ? this.#sql
                .get(`INSERT INTO gateways (id, settings_json) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`)
                .run(settings.id, json)
            : this.#sql
                .get(`UPDATE gateways SET settings_json = ? WHERE id = ? AND settings_json = ?`)
                .run(json, settings.id, JSON.stringify(expected));
      if (written.changes === 0) return false;
      this.#routes.record(
        settings.id,
        settings.routes ?? [],
        options.deploy ?? new Map(),
        settings.updatedAt,
      );
      return true;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.#commits.write(() => {
      this.#routes.forget(id);
      return this.#sql.get(`DELETE FROM gateways WHERE id = ?`).run(id).changes > 0;
    });
  }
}
