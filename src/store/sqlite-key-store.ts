import type { Database } from 'better-sqlite3';
import type { KeyPatch, KeyRecord, KeyStore } from './key-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate, type Migration } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'virtual API keys, stored as their SHA-256',
    sql: `
      CREATE TABLE keys (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        project TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        record_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX keys_by_project ON keys (project, created_at);
      CREATE INDEX keys_active ON keys (revoked_at) WHERE revoked_at IS NULL;
    `,
  },
];

interface Row {
  record_json: string;
  revoked_at: number | null;
}

function toRecord(row: Row): KeyRecord {
  return { ...(JSON.parse(row.record_json) as KeyRecord), revokedAt: row.revoked_at };
}

/** Keys on SQLite; writes go through the group commit (`commits`), synced off the event loop. */
export class SqliteKeyStore implements KeyStore {
  readonly #db: Database;
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, commits: SqliteGroupCommit) {
    migrate(db, 'keys', MIGRATIONS);
    this.#db = db;
    this.#sql = new StatementCache(db);
    this.#commits = commits;
  }

  async insert(record: KeyRecord, hash: string): Promise<void> {
    await this.#commits.write(() =>
      this.#sql
        .get(
          `INSERT INTO keys (id, hash, project, created_at, revoked_at, record_json) VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(record.id, hash, record.project, record.createdAt, record.revokedAt, JSON.stringify(record)),
    );
  }

  async findByHash(hash: string): Promise<KeyRecord | undefined> {
    const row = this.#sql.get(`SELECT record_json, revoked_at FROM keys WHERE hash = ?`).get(hash) as
      Row | undefined;
    return row && toRecord(row);
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    const row = this.#sql.get(`SELECT record_json, revoked_at FROM keys WHERE id = ?`).get(id) as
      Row | undefined;
    return row && toRecord(row);
  }

  async list(filter: { project?: string; includeRevoked?: boolean }): Promise<KeyRecord[]> {
    const where = [
      ...(filter.project !== undefined ? ['project = @project'] : []),
      ...(filter.includeRevoked ? [] : ['revoked_at IS NULL']),
    ];
    const sql = `SELECT record_json, revoked_at FROM keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id`;
    const rows = this.#db
      .prepare(sql)
      .all(filter.project !== undefined ? { project: filter.project } : {}) as Row[];
    return rows.map(toRecord);
  }

  async update(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    return this.#commits.write(() => {
      const row = this.#sql.get(`SELECT record_json, revoked_at FROM keys WHERE id = ?`).get(id) as
        Row | undefined;
      if (!row) return undefined;
      const record = { ...toRecord(row), ...patch };
      this.#sql.get(`UPDATE keys SET record_json = ? WHERE id = ?`).run(JSON.stringify(record), id);
      return record;
    });
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return this.#commits.write(
      () =>
        this.#sql.get(`UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`).run(at, id)
          .changes > 0,
    );
  }

  async anyActive(): Promise<boolean> {
    return this.#sql.get(`SELECT 1 FROM keys WHERE revoked_at IS NULL LIMIT 1`).get() !== undefined;
  }

  async anyAdmin(now: number): Promise<boolean> {
    const rows = this.#db
      .prepare(`SELECT record_json, revoked_at FROM keys WHERE revoked_at IS NULL`)
      .all() as Row[];
    return rows
      .map(toRecord)
      .some((key) => key.scopes.admin === true && (key.expiresAt === null || key.expiresAt > now));
  }
}
