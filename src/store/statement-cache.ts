import type { Database, Statement } from 'better-sqlite3';

/** Most distinct statements a store keeps prepared (filters build their SQL from a few parts). */
const MAX_PREPARED = 256;

/** Prepares each SQL text once, the first time it runs, on one connection. */
export class StatementCache {
  readonly #statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  get(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.#statements.size < MAX_PREPARED) this.#statements.set(sql, statement);
    }
    return statement;
  }
}
