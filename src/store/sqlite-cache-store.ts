import type { Database } from 'better-sqlite3';
import type { CacheStore, CachedAnswer } from './cache-store.ts';
import { migrate, type Migration } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'cached answers by key',
    sql: `
      CREATE TABLE cache (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, answer_json TEXT NOT NULL) STRICT;
      CREATE INDEX cache_by_expiry ON cache (expires_at);
    `,
  },
];

export class SqliteCacheStore implements CacheStore {
  readonly #db: Database;
  readonly #sql: StatementCache;

  constructor(db: Database) {
    migrate(db, 'cache', MIGRATIONS);
    this.#db = db;
    this.#sql = new StatementCache(db);
  }

  async get(key: string, now: number): Promise<CachedAnswer | undefined> {
    const row = this.#db
      .prepare(`SELECT answer_json FROM cache WHERE key = ? AND expires_at > ?`)
      .get(key, now) as { answer_json: string } | undefined;
    return row && (JSON.parse(row.answer_json) as CachedAnswer);
  }

  async set(key: string, answer: CachedAnswer, expiresAt: number): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO cache (key, expires_at, answer_json) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, answer_json = excluded.answer_json`,
      )
      .run(key, expiresAt, JSON.stringify(answer));
  }

  async prune(now: number): Promise<number> {
    return this.#sql.get(`DELETE FROM cache WHERE expires_at <= ?`).run(now).changes;
  }
}
