import type { Database } from 'better-sqlite3';
import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { GatewayStore } from './gateway-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate, type Migration } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'gateways made through the admin API',
    sql: `CREATE TABLE gateways (id TEXT PRIMARY KEY, settings_json TEXT NOT NULL) STRICT;`,
  },
];

/** Gateways on SQLite; writes go through the group commit (`commits`), synced off the event loop. */
export class SqliteGatewayStore implements GatewayStore {
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, commits: SqliteGroupCommit) {
    migrate(db, 'gateways', MIGRATIONS);
    this.#sql = new StatementCache(db);
    this.#commits = commits;
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

  async put(settings: GatewaySettings): Promise<void> {
    await this.#commits.write(() =>
      this.#sql
        .get(
          `INSERT INTO gateways (id, settings_json) VALUES (?, ?)
           ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json`,
        )
        .run(settings.id, JSON.stringify(settings)),
    );
  }

  async delete(id: string): Promise<boolean> {
    return this.#commits.write(() => this.#sql.get(`DELETE FROM gateways WHERE id = ?`).run(id).changes > 0);
  }
}
