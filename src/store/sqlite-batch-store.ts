import type { Database } from 'better-sqlite3';
import { BATCH_MIGRATIONS } from './batch-migrations.ts';
import { toBatch, type Batch, type BatchRow, type BatchStore } from './batch-store.ts';
import type { Owner } from './owner.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';

/** Batches on SQLite; writes go through the group commit (`commits`), synced off the event loop. */
export class SqliteBatchStore implements BatchStore {
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, commits: SqliteGroupCommit) {
    migrate(db, 'batches', BATCH_MIGRATIONS);
    this.#sql = new StatementCache(db);
    this.#commits = commits;
  }

  async create(batch: Batch): Promise<void> {
    await this.#commits.write(() =>
      this.#sql
        .get(`INSERT INTO batches (id, owner, model, entries_json, created_at) VALUES (?, ?, ?, ?, ?)`)
        .run(batch.id, batch.owner, batch.model, JSON.stringify(batch.entries), batch.createdAt),
    );
  }

  async get(id: string, owner: Owner): Promise<Batch | undefined> {
    const row = this.#sql.get(`SELECT * FROM batches WHERE id = ? AND owner = ?`).get(id, owner) as
      BatchRow | undefined;
    return row && toBatch(row);
  }
}
