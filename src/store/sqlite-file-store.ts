import type { Database, Statement } from 'better-sqlite3';
import { FILE_MIGRATIONS } from './file-migrations.ts';
import { FILE_COLUMNS, fileCursor, toFileObject, toFilePage, type FileRow } from './file-rows.ts';
import type { FileObject, FilePage, FilePageQuery, FileStore } from './file-store.ts';
import type { Owner } from './owner.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { nextTurn } from '../next-turn.ts';

const LIVE = `owner = :owner AND stored = 1 AND (expires_at IS NULL OR expires_at > :now)`;

/**
 * Bytes of a file written per write of the group commit: a large file goes in a part at a time,
 * so that it never holds the event loop for long (measured: a 63 MiB file in one row held it
 * 266-301 ms, for its ~16,000 WAL pages). Its row comes first, hidden until the last part is in.
 */
export const FILE_PART_BYTES = 1024 * 1024;
/** Seconds after which an upload still unfinished (its process ended while writing) is removed. */
const UNFINISHED_SECONDS = 600;

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
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    const parts = Math.max(1, Math.ceil(bytes.length / FILE_PART_BYTES));
    const part = (index: number) => bytes.subarray(index * FILE_PART_BYTES, (index + 1) * FILE_PART_BYTES);
    const seq = await this.#commits.write(() => {
      const now = this.#now();
      this.#sql.dropExpired.run({ now, unfinished: now - UNFINISHED_SECONDS });
      const row = {
        id: file.id,
        owner,
        filename: file.filename,
        purpose: file.purpose,
        bytes: file.bytes,
        created_at: file.created_at,
        expires_at: file.expires_at ?? null,
        content: part(0),
        stored: parts === 1 ? 1 : 0,
      };
      return Number(this.#sql.insert.run(row).lastInsertRowid);
    });
    if (parts === 1) return;
    try {
      for (let index = 1; index < parts; index++)
        await this.#commits.write(() => this.#sql.insertPart.run(seq, index, part(index)));
      await this.#commits.write(() => this.#sql.markStored.run(seq));
    } catch (error) {
      // What was written goes; should this fail too, the next upload removes it once unfinished for long.
      await this.#commits.write(() => this.#sql.deleteSeq.run(seq)).catch(() => {});
      throw error;
    }
  }

  async get(id: string, owner: Owner): Promise<FileObject | undefined> {
    const row = this.#sql.select.get(this.#scope(id, owner));
    return row && toFileObject(row);
  }

  /**
   * The bytes a part at a time, the event loop turning between parts (a 63 MiB file read at once
   * held it 69-76 ms). A part, once written, changes only by going with its file, all at once.
   */
  async content(id: string, owner: Owner): Promise<{ file: FileObject; content: Buffer } | undefined> {
    const row = this.#sql.selectContent.get(this.#scope(id, owner));
    if (!row) return undefined;
    const parts = [row.content];
    for (let index = 1; ; index++) {
      const next = this.#sql.selectPart.get(row.seq, index);
      if (!next) break;
      parts.push(next.content);
      await nextTurn();
    }
    // Deleted meanwhile (its parts go with its row, at once): what was read is not the file.
    if (parts.length > 1 && !this.#sql.exists.get(row.seq)) return undefined;
    return { file: toFileObject(row), content: parts.length > 1 ? Buffer.concat(parts) : row.content };
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
      `INSERT INTO files (id, owner, filename, purpose, bytes, created_at, expires_at, content, stored)
       VALUES (:id, :owner, :filename, :purpose, :bytes, :created_at, :expires_at, :content, :stored)`,
    ) as Statement<[Record<string, unknown>]>,
    insertPart: db.prepare(`INSERT INTO file_parts (file_seq, part, content) VALUES (?, ?, ?)`) as Statement<
      [number, number, Buffer]
    >,
    markStored: db.prepare(`UPDATE files SET stored = 1 WHERE seq = ?`) as Statement<[number]>,
    deleteSeq: db.prepare(`DELETE FROM files WHERE seq = ?`) as Statement<[number]>,
    dropExpired: db.prepare(
      `DELETE FROM files WHERE expires_at <= :now OR (stored = 0 AND created_at < :unfinished)`,
    ) as Statement<[{ now: number; unfinished: number }]>,
    select: db.prepare(`SELECT ${FILE_COLUMNS} FROM files WHERE id = :id AND ${LIVE}`) as Statement<
      [Scope],
      FileRow
    >,
    selectContent: db.prepare(
      `SELECT ${FILE_COLUMNS}, seq, content FROM files WHERE id = :id AND ${LIVE}`,
    ) as Statement<[Scope], FileRow & { seq: number; content: Buffer }>,
    exists: db.prepare(`SELECT 1 FROM files WHERE seq = ?`) as Statement<[number], unknown>,
    selectPart: db.prepare(`SELECT content FROM file_parts WHERE file_seq = ? AND part = ?`) as Statement<
      [number, number],
      { content: Buffer }
    >,
    seq: db.prepare(`SELECT seq FROM files WHERE id = :id AND ${LIVE}`) as Statement<
      [Scope],
      { seq: number }
    >,
    pageAsc: page('>', 'ASC'),
    pageDesc: page('<', 'DESC'),
    delete: db.prepare(`DELETE FROM files WHERE id = :id AND ${LIVE}`) as Statement<[Scope]>,
  };
}
