import { FILE_COLUMNS, fileCursor, toFileObject, toFilePage, type FileRow } from './file-rows.ts';
import type { FileObject, FilePage, FilePageQuery, FileStore } from './file-store.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';

/** $2 is the owner, $3 now in Unix seconds. */
const LIVE = `owner = $2 AND (expires_at IS NULL OR expires_at > $3)`;

/** The FileStore on PostgreSQL, on the pool shared with the other stores. */
export class PostgresFileStore implements FileStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly clock: () => number,
  ) {}

  async create(file: FileObject, content: Uint8Array, owner: Owner): Promise<void> {
    await this.db.transaction(async (client) => {
      await this.db.execute(sql(`DELETE FROM files WHERE expires_at <= $1`), [this.now()], client);
      await this.db.execute(
        sql(`INSERT INTO files (id, owner, filename, purpose, bytes, created_at, expires_at, content)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`),
        [
          file.id,
          owner,
          file.filename,
          file.purpose,
          file.bytes,
          file.created_at,
          file.expires_at ?? null,
          Buffer.from(content.buffer, content.byteOffset, content.byteLength),
        ],
        client,
      );
    });
  }

  async get(id: string, owner: Owner): Promise<FileObject | undefined> {
    const [row] = await this.db.query<FileRow>(
      sql(`SELECT ${FILE_COLUMNS} FROM files WHERE id = $1 AND ${LIVE}`),
      [id, owner, this.now()],
    );
    return row && toFileObject(row);
  }

  async content(id: string, owner: Owner): Promise<{ file: FileObject; content: Buffer } | undefined> {
    const [row] = await this.db.query<FileRow & { content: Buffer }>(
      sql(`SELECT ${FILE_COLUMNS}, content FROM files WHERE id = $1 AND ${LIVE}`),
      [id, owner, this.now()],
    );
    return row && { file: toFileObject(row), content: row.content };
  }

  async list(owner: Owner, page: FilePageQuery): Promise<FilePage> {
    return this.db.transaction(async (client) => {
      const now = this.now();
      const [found] =
        page.after === undefined
          ? []
          : await this.db.query<{ seq: string }>(
              sql(`SELECT seq FROM files WHERE id = $1 AND ${LIVE}`),
              [page.after, owner, now],
              client,
            );
      const cursor = fileCursor(page, found?.seq);
      const [comparison, order] = page.order === 'asc' ? ['>', 'ASC'] : ['<', 'DESC'];
      const rows = await this.db.query<FileRow>(
        sql(`SELECT ${FILE_COLUMNS} FROM files WHERE seq ${comparison} $1 AND ${LIVE}
             AND ($4::text IS NULL OR purpose = $4) ORDER BY seq ${order} LIMIT $5`),
        [cursor, owner, now, page.purpose ?? null, page.limit + 1],
        client,
      );
      return toFilePage(rows, page.limit);
    }, true);
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    const deleted = await this.db.execute(sql(`DELETE FROM files WHERE id = $1 AND ${LIVE}`), [
      id,
      owner,
      this.now(),
    ]);
    return deleted > 0;
  }

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }
}
