import type { Database } from 'better-sqlite3';
import { INSTANCE_MIGRATIONS } from './instance-migrations.ts';
import { LAPSED_LEASE_KEPT_MS, type InstanceLease, type InstanceStore } from './instance-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';

/** A lease row; PostgreSQL reads BIGINT as text. */
export interface LeaseRow {
  id: string;
  started_at: number | string;
  renewed_at: number | string;
  expires_at: number | string;
}

export function toLease(row: LeaseRow): InstanceLease {
  return {
    id: row.id,
    startedAt: Number(row.started_at),
    renewedAt: Number(row.renewed_at),
    expiresAt: Number(row.expires_at),
  };
}

/**
 * Instance leases on SQLite: several processes may share one file (a server and `portico run`).
 * Writes go through the group commit (`commits`), synced off the event loop.
 */
export class SqliteInstanceStore implements InstanceStore {
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, commits: SqliteGroupCommit) {
    migrate(db, 'instances', INSTANCE_MIGRATIONS);
    this.#sql = new StatementCache(db);
    this.#commits = commits;
  }

  async renew(id: string, now: number, expiresAt: number): Promise<void> {
    await this.#commits.write(() => {
      this.#sql.get(`DELETE FROM instances WHERE expires_at < ?`).run(now - LAPSED_LEASE_KEPT_MS);
      this.#sql
        .get(
          `INSERT INTO instances (id, started_at, renewed_at, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`,
        )
        .run(id, now, now, expiresAt);
    });
  }

  async release(id: string): Promise<void> {
    await this.#commits.write(() => this.#sql.get(`DELETE FROM instances WHERE id = ?`).run(id));
  }

  async live(now: number): Promise<InstanceLease[]> {
    const rows = this.#sql
      .get(`SELECT * FROM instances WHERE expires_at > ? ORDER BY started_at, id`)
      .all(now) as LeaseRow[];
    return rows.map(toLease);
  }
}
