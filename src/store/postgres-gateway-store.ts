import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { GatewayPut, GatewayStore } from './gateway-store.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import type { PostgresRouteHistoryStore } from './postgres-route-history-store.ts';

const UPSERT = sql(`INSERT INTO gateways (id, settings_json) VALUES ($1, $2)
  ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json`);
const INSERT_NEW = sql(
  `INSERT INTO gateways (id, settings_json) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
);
const REPLACE = sql(`UPDATE gateways SET settings_json = $2 WHERE id = $1 AND settings_json = $3`);

/**
 * Gateways made through the admin API, on PostgreSQL: shared by every replica. A write records
 * its routes' history (`routes`) in the same transaction.
 */
export class PostgresGatewayStore implements GatewayStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly routes: PostgresRouteHistoryStore,
  ) {}

  async list(): Promise<GatewaySettings[]> {
    const rows = await this.db.query<{ settings_json: string }>(
      sql(`SELECT settings_json FROM gateways ORDER BY id`),
      [],
    );
    return rows.map((row) => JSON.parse(row.settings_json) as GatewaySettings);
  }

  async get(id: string): Promise<GatewaySettings | undefined> {
    const [row] = await this.db.query<{ settings_json: string }>(
      sql(`SELECT settings_json FROM gateways WHERE id = $1`),
      [id],
    );
    return row && (JSON.parse(row.settings_json) as GatewaySettings);
  }

  async put(settings: GatewaySettings, options: GatewayPut = {}): Promise<boolean> {
    const json = JSON.stringify(settings);
    const { expected } = options;
    return this.db.transaction(async (client) => {
      const written =
        expected === undefined
          ? await this.db.execute(UPSERT, [settings.id, json], client)
          : expected === null
            ? await this.db.execute(INSERT_NEW, [settings.id, json], client)
            : await this.db.execute(REPLACE, [settings.id, json, JSON.stringify(expected)], client);
      if (written === 0) return false;
      await this.routes.record(
        client,
        settings.id,
        settings.routes ?? [],
        options.deploy ?? new Map(),
        settings.updatedAt,
      );
      return true;
    });
  }

  async delete(id: string): Promise<boolean> {
    // The row first, then the history's lock, in the order put takes them: no deadlock.
    return this.db.transaction(async (client) => {
      const deleted = (await this.db.execute(sql(`DELETE FROM gateways WHERE id = $1`), [id], client)) > 0;
      await this.routes.forget(client, id);
      return deleted;
    });
  }
}
