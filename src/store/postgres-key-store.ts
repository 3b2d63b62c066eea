import type { KeyPatch, KeyRecord, KeyStore } from './key-store.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';

interface Row {
  record_json: string;
  revoked_at: string | null;
}

function toRecord(row: Row): KeyRecord {
  return {
    ...(JSON.parse(row.record_json) as KeyRecord),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/** Keys on PostgreSQL: the same rows as sqlite-key-store.ts. */
export class PostgresKeyStore implements KeyStore {
  constructor(private readonly db: PostgresDatabase) {}

  async insert(record: KeyRecord, hash: string): Promise<void> {
    await this.db.execute(
      sql(
        `INSERT INTO keys (id, hash, project, created_at, revoked_at, record_json) VALUES ($1, $2, $3, $4, $5, $6)`,
      ),
      [record.id, hash, record.project, record.createdAt, record.revokedAt, JSON.stringify(record)],
    );
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    const [row] = await this.db.query<Row>(sql(`SELECT record_json, revoked_at FROM keys WHERE hash = $1`), [
      hash,
    ]);
    return row && toRecord(row);
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    const [row] = await this.db.query<Row>(sql(`SELECT record_json, revoked_at FROM keys WHERE id = $1`), [
      id,
    ]);
    return row && toRecord(row);
  }

  async list(filter: { project?: string; includeRevoked?: boolean }): Promise<KeyRecord[]> {
    const rows = await this.db.query<Row>(
      sql(`SELECT record_json, revoked_at FROM keys
        WHERE ($1::text IS NULL OR project = $1) AND ($2 OR revoked_at IS NULL)
        ORDER BY created_at DESC, id`),
      [filter.project ?? null, filter.includeRevoked === true],
    );
    return rows.map(toRecord);
  }

  async update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    return this.db.transaction(async (client) => {
      const [row] = await this.db.query<Row>(
        sql(`SELECT record_json, revoked_at FROM keys WHERE id = $1 FOR UPDATE`),
        [id],
        client,
      );
      if (!row) return undefined;
      const record = { ...toRecord(row), ...patch };
      await this.db.execute(
        sql(`UPDATE keys SET record_json = $2 WHERE id = $1`),
        [id, JSON.stringify(record)],
        client,
      );
      return record;
    });
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return (
      (await this.db.execute(sql(`UPDATE keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`), [
        id,
        at,
      ])) > 0
    );
  }

  async anyActive(): Promise<boolean> {
    return (await this.db.query(sql(`SELECT 1 FROM keys WHERE revoked_at IS NULL LIMIT 1`), [])).length > 0;
  }

  async anyAdmin(now: number): Promise<boolean> {
    const rows = await this.db.query<Row>(
      sql(`SELECT record_json, revoked_at FROM keys WHERE revoked_at IS NULL`),
      [],
    );
    return rows
      .map(toRecord)
      .some((key) => key.scopes.admin === true && (key.expiresAt === null || key.expiresAt > now));
  }
}
