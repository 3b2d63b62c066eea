import type { Database } from 'better-sqlite3';
import {
  PROVIDER_CONFIG_COLUMNS,
  providerConfigRecord,
  providerConfigValues,
  type ProviderConfigRow,
} from './provider-config-rows.ts';
import { SQLITE_PROVIDER_CONFIG_MIGRATIONS } from './provider-config-migrations.ts';
import type { ProviderConfigRecord, ProviderConfigStore } from './provider-config-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';

/** Provider keys on SQLite; writes go through the group commit, each in its transaction. */
export class SqliteProviderConfigStore implements ProviderConfigStore {
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(
    db: Database,
    commits: SqliteGroupCommit,
    readonly secretsKeyFile: string,
  ) {
    migrate(db, 'provider_configs', SQLITE_PROVIDER_CONFIG_MIGRATIONS);
    this.#sql = new StatementCache(db);
    this.#commits = commits;
  }

  async list(gateway: string): Promise<ProviderConfigRecord[]> {
    const rows = this.#sql
      .get(
        `SELECT ${PROVIDER_CONFIG_COLUMNS} FROM provider_configs WHERE gateway = ? ORDER BY created_at, id`,
      )
      .all(gateway) as ProviderConfigRow[];
    return rows.map(providerConfigRecord);
  }

  put(record: ProviderConfigRecord): Promise<boolean> {
    return this.#commits.write(() => {
      const taken = this.#sql
        .get(`SELECT 1 FROM provider_configs WHERE gateway = ? AND provider = ? AND alias = ? AND id <> ?`)
        .get(record.gateway, record.provider, record.alias, record.id);
      if (taken) return false;
      if (record.isDefault)
        this.#sql
          .get(`UPDATE provider_configs SET is_default = 0 WHERE gateway = ? AND provider = ? AND id <> ?`)
          .run(record.gateway, record.provider, record.id);
      this.#sql
        .get(
          `INSERT OR REPLACE INTO provider_configs (${PROVIDER_CONFIG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...providerConfigValues(record));
      return true;
    });
  }

  delete(gateway: string, id: string): Promise<boolean> {
    return this.#commits.write(
      () =>
        this.#sql.get(`DELETE FROM provider_configs WHERE gateway = ? AND id = ?`).run(gateway, id).changes >
        0,
    );
  }

  async deleteGateway(gateway: string): Promise<void> {
    await this.#commits.write(() =>
      this.#sql.get(`DELETE FROM provider_configs WHERE gateway = ?`).run(gateway),
    );
  }
}
