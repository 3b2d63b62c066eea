import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import {
  PROVIDER_CONFIG_COLUMNS,
  providerConfigRecord,
  providerConfigValues,
  type ProviderConfigRow,
} from './provider-config-rows.ts';
import type { ProviderConfigRecord, ProviderConfigStore } from './provider-config-store.ts';

const UPDATES = PROVIDER_CONFIG_COLUMNS.split(', ')
  .filter((column) => column !== 'id')
  .map((column) => `${column} = excluded.${column}`)
  .join(', ');

/** Provider keys on PostgreSQL: shared by every replica, so the secrets key comes from the environment. */
export class PostgresProviderConfigStore implements ProviderConfigStore {
  readonly secretsKeyFile = undefined;

  constructor(private readonly db: PostgresDatabase) {}

  async list(gateway: string): Promise<ProviderConfigRecord[]> {
    const rows = await this.db.query<ProviderConfigRow>(
      sql(
        `SELECT ${PROVIDER_CONFIG_COLUMNS} FROM provider_configs WHERE gateway = $1 ORDER BY created_at, id`,
      ),
      [gateway],
    );
    return rows.map(providerConfigRecord);
  }

  put(record: ProviderConfigRecord): Promise<boolean> {
    return this.db.transaction(async (client) => {
      // Locks the gateway's configs of this provider: two puts cannot both take an alias or the default.
      const rows = await this.db.query<{ id: string; alias: string }>(
        sql(`SELECT id, alias FROM provider_configs WHERE gateway = $1 AND provider = $2 FOR UPDATE`),
        [record.gateway, record.provider],
        client,
      );
      if (rows.some((row) => row.alias === record.alias && row.id !== record.id)) return false;
      if (record.isDefault)
        await this.db.execute(
          sql(`UPDATE provider_configs SET is_default = 0 WHERE gateway = $1 AND provider = $2 AND id <> $3`),
          [record.gateway, record.provider, record.id],
          client,
        );
      await this.db.execute(
        sql(`INSERT INTO provider_configs (${PROVIDER_CONFIG_COLUMNS})
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
          ON CONFLICT (id) DO UPDATE SET ${UPDATES}`),
        providerConfigValues(record),
        client,
      );
      return true;
    });
  }

  async delete(gateway: string, id: string): Promise<boolean> {
    return (
      (await this.db.execute(sql(`DELETE FROM provider_configs WHERE gateway = $1 AND id = $2`), [
        gateway,
        id,
      ])) > 0
    );
  }

  async deleteGateway(gateway: string): Promise<void> {
    await this.db.execute(sql(`DELETE FROM provider_configs WHERE gateway = $1`), [gateway]);
  }
}
