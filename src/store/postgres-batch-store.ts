import { toBatch, type Batch, type BatchRow, type BatchStore } from './batch-store.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';

/** Batches on PostgreSQL. */
export class PostgresBatchStore implements BatchStore {
  constructor(private readonly db: PostgresDatabase) {}

  async create(batch: Batch): Promise<void> {
    await this.db.execute(
      sql(`INSERT INTO batches (id, owner, model, entries_json, created_at) VALUES ($1, $2, $3, $4, $5)`),
      [batch.id, batch.owner, batch.model, JSON.stringify(batch.entries), batch.createdAt],
    );
  }

  async get(id: string, owner: Owner): Promise<Batch | undefined> {
    const [row] = await this.db.query<BatchRow & Record<string, unknown>>(
      sql(`SELECT * FROM batches WHERE id = $1 AND owner = $2`),
      [id, owner],
    );
    return row && toBatch(row);
  }
}
