import type { GatewaySettings } from '../api/gateway-settings.ts';
import type { GatewayStore } from './gateway-store.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';

/** Gateways made through the admin API, on PostgreSQL: shared by every replica. */
export class PostgresGatewayStore implements GatewayStore {
  constructor(private readonly db: PostgresDatabase) {}

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

  async put(settings: GatewaySettings): Promise<void> {
    await this.db.execute(
      sql(`INSERT INTO gateways (id, settings_json) VALUES ($1, $2)
        ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json`),
      [settings.id, JSON.stringify(settings)],
    );
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.execute(sql(`DELETE FROM gateways WHERE id = $1`), [id])) > 0;
  }
}
