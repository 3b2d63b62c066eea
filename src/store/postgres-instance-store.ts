import type { InstanceLease, InstanceStore } from './instance-store.ts';
import { LAPSED_LEASE_KEPT_MS } from './instance-store.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import { toLease, type LeaseRow } from './sqlite-instance-store.ts';

/** Instance leases on PostgreSQL: the replicas' view of who is alive. */
export class PostgresInstanceStore implements InstanceStore {
  constructor(private readonly db: PostgresDatabase) {}

  async renew(id: string, now: number, expiresAt: number): Promise<void> {
    await this.db.execute(sql(`DELETE FROM instances WHERE expires_at < $1`), [now - LAPSED_LEASE_KEPT_MS]);
    await this.db.execute(
      sql(`INSERT INTO instances (id, started_at, renewed_at, expires_at) VALUES ($1, $2, $2, $3)
        ON CONFLICT (id) DO UPDATE SET renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`),
      [id, now, expiresAt],
    );
  }

  async release(id: string): Promise<void> {
    await this.db.execute(sql(`DELETE FROM instances WHERE id = $1`), [id]);
  }

  async live(now: number): Promise<InstanceLease[]> {
    const rows = await this.db.query<LeaseRow & Record<string, unknown>>(
      sql(`SELECT * FROM instances WHERE expires_at > $1 ORDER BY started_at, id`),
      [now],
    );
    return rows.map(toLease);
  }
}
