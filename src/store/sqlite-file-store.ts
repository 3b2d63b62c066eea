import type { Database, Statement } from 'better-sqlite3';
import { FILE_MIGRATIONS } from './file-migrations.ts';
import { FILE_COLUMNS, fileCursor, toFileObject, toFilePage, type FileRow } from './file-rows.ts';
import type { FileObject, FilePage, FilePageQuery, FileStore } from './file-store.ts';
import type { Owner } from './owner.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';

const LIVE = `owner = :owner AND (expires_at IS NULL OR expires_at > :now)`;

interface Scope {
  id: string;
  owner: string;
  now: number;
}

interface PageParams {
  owner: string;
  now: number;
  cursor: number;
  limit: number;
  purpose: string | null;
}

/**
 * The embedded FileStore, on the handle shared with the other stores. Uploads and deletions go
 * through the group commit (`commits`): a file of megabytes is synced off the event loop.
 */
export class SqliteFileStore implements FileStore {
  readonly #db: Database;
  readonly #clock: () => number;
  readonly #sql: ReturnType<typeof prepare>;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, clock: () => number, commits: SqliteGroupCommit) {
    migrate(db, 'files', FILE_MIGRATIONS);
    this.#db = db;
    this.#clock = clock;
    this.#sql = prepare(db);
    this.#commits = commits;
  }

  async create(file: FileObject, content: Uint8Array, owner: Owner): Promise<void> {
    await this.#commits.write(() => {
      this.#sql.dropExpired.run(this.#now());
      this.#sql.insert.run({
        id: file.id,
        owner,
        filename: file.filename,
        purpose: file.purpose,
        bytes: file.bytes,
        created_at: file.created_at,
        expires_at: file.expires_at ?? null,
        content: Buffer.from(content.buffer, content.byteOffset, content.byteLength),
      });
    });
  }

  async get(id: string, owner: Owner): Promise<FileObject | undefined> {
    const row = this.#sql.select.get(this.#scope(id, owner));
    return row && toFileObject(row);
  }

  async content(id: string, owner: Owner): Promise<{ file: FileObject; content: Buffer } | undefined> {
    const row = this.#sql.selectContent.get(this.#scope(id, owner));
    return row && { file: toFileObject(row), content: row.content };
  }

  async list(owner: Owner, page: FilePageQuery): Promise<FilePage> {
    return this.#db
      .transaction(() => {
        const now = this.#now();
        const found =
          page.after === undefined ? undefined : this.#sql.seq.get({ id: page.after, owner, now });
        const params: PageParams = {
          owner,
          now,
          cursor: fileCursor(page, found?.seq),
          limit: page.limit + 1,
          purpose: page.purpose ?? null,
        };
        const query = page.order === 'asc' ? this.#sql.pageAsc : this.#sql.pageDesc;
        return toFilePage(query.all(params), page.limit);
      })
      .deferred();
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return (await this.#commits.write(() => this.#sql.delete.run(this.#scope(id, owner)).changes)) > 0;
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }

  #scope(id: string, owner: Owner): Scope {
    return { id, owner, now: this.#now() };
  }
}

function prepare(db: Database) {
  const page = (comparison: string, order: string) =>
    db.prepare(
      `SELECT ${FILE_COLUMNS} FROM files WHERE ${LIVE} AND seq ${comparison} :cursor
       AND (:purpose IS NULL OR purpose = :purpose) ORDER BY seq ${order} LIMIT :limit`,
    ) as Statement<[PageParams], FileRow>;
  return {
    insert: db.prepare(
      `INSERT INTO files (id, owner, filename, purpose, bytes, created_at, expires_at, content)
       VALUES (:id, :owner, :filename, :purpose, :bytes, :created_at, :expires_at, :content)`,
    ) as Statement<[Record<string, unknown>]>,
    dropExpired: db.prepare(`DELETE FROM files WHERE expires_at <= ?`) as Statement<[number]>,
    select: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE id = :id AND ${LIVE}`) as Statement<
      [Scope],
      FileRow
    >,
    selectContent: db.prepare(
      `SELECT ${FILE_COLUMNS}, content FROM files WHERE id = :id AND ${LIVE}`,
    ) as Statement<[Scope], FileRow & { content: Buffer }>,
    seq: db.prepare(`SELECT seq FROM files WHERE id = :id AND ${LIVE}`) as Statement<
      [Scope],
      { seq: number }
    >,
    pageAsc: page('>', 'ASC'),
    pageDesc: page('<', 'DESC'),
    delete: db.prepare(`DELETE FROM files WHERE id = :id AND ${LIVE}`) as Statement<[Scope]>,
  };
}
