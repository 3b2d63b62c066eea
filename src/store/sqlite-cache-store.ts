import type { Database } from 'better-sqlite3';
import type { CacheStore, CachedAnswer } from './cache-store.ts';
import { PRUNE_ROWS_PER_WRITE, type SqliteGroupCommit } from './sqlite-group-commit.ts';
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

/**
 * Cached answers on SQLite. Writes go through the group commit (`commits`): a miss's answer is
 * kept without a sync on the event loop (one was ~40% of a cached gateway's CPU per miss).
 */
export class SqliteCacheStore implements CacheStore {
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, commits: SqliteGroupCommit) {
    migrate(db, 'cache', MIGRATIONS);
    this.#sql = new StatementCache(db);
    this.#commits = commits;
  }

  async get(key: string, now: number): Promise<CachedAnswer | undefined> {
    const row = this.#sql
      .get(`SELECT answer_json FROM cache WHERE key = ? AND expires_at > ?`)
      .get(key, now) as { answer_json: string } | undefined;
    return row && (JSON.parse(row.answer_json) as CachedAnswer);
  }

  async set(key: string, answer: CachedAnswer, expiresAt: number): Promise<void> {
    const json = JSON.stringify(answer);
    await this.#commits.write(() =>
      this.#sql
        .get(
          `INSERT INTO cache (key, expires_at, answer_json) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, answer_json = excluded.answer_json`,
        )
        .run(key, expiresAt, json),
    );
  }

  /**
   * `PRUNE_ROWS_PER_WRITE` entries at a time, a write each: an hour of a busy cache's entries in one
   * statement would hold the event loop for as long as it took.
   */
  async prune(now: number): Promise<number> {
    return this.#commits.deleteInBatches(
      PRUNE_ROWS_PER_WRITE,
      () =>
        this.#sql
          .get(`DELETE FROM cache WHERE rowid IN (SELECT rowid FROM cache WHERE expires_at <= ? LIMIT ?)`)
          .run(now, PRUNE_ROWS_PER_WRITE).changes,
    );
  }
}
