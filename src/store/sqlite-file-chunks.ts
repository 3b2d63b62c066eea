import type { Database } from 'better-sqlite3';
import { nextTurn } from '../next-turn.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import type { StatementCache } from './statement-cache.ts';
import { embeddingBytes } from './vector-store-rows.ts';
import type { NewChunk } from './vector-store-store.ts';

/**
 * Chunks written or deleted per write: a file's chunks go in and out a slice at a time, each
 * slice one write of the group commit, so that a large file never holds the event loop for
 * long (measured: ~85 µs to insert a chunk of 800 tokens with its full-text entry, ~45 µs to
 * delete one; 16 MiB of text, ~11,000 chunks, was 1.8 s to add and 0.5 s to remove at once).
 */
export const CHUNKS_PER_INSERT = 128;
export const CHUNKS_PER_DELETE = 256;
/** Chunk texts read per turn of the event loop when a file's chunks are listed. */
export const CHUNK_TEXTS_PER_PAGE = 1000;

/** A file row: its key, and the `seq` that tells it from a later row of the same key. */
export interface FileKey {
  seq: number;
  vector_store_id: string;
  file_id: string;
}

/** A chunk's place in its file, and its text. */
interface ChunkTextRow {
  position: number;
  text: string;
}

/**
 * A vector-store file's chunks on SQLite, written, deleted and listed a slice at a time, each
 * slice tied to the file row (`FileKey.seq`) it belongs to: a row replaced or removed meanwhile
 * stops the work. The store (sqlite-vector-store-store.ts) says which row and when.
 */
export class SqliteFileChunks {
  readonly #db: Database;
  readonly #sql: StatementCache;
  readonly #commits: SqliteGroupCommit;

  constructor(db: Database, sql: StatementCache, commits: SqliteGroupCommit) {
    this.#db = db;
    this.#sql = sql;
    this.#commits = commits;
  }

  /** Writes `chunks` a slice per write while the row stays in progress; false once it did not. */
  async write(file: FileKey, chunks: readonly NewChunk[]): Promise<boolean> {
    for (let start = 0; start < chunks.length; start += CHUNKS_PER_INSERT) {
      const written = await this.#commits.write(() => {
        if (!this.inProgress(file.seq)) return false;
        const insert = this.#sql.get(
          `INSERT INTO vector_store_chunks (vector_store_id, file_id, position, text, embedding) VALUES (?, ?, ?, ?, ?)`,
        );
        chunks
          .slice(start, start + CHUNKS_PER_INSERT)
          .forEach((chunk, index) =>
            insert.run(
              file.vector_store_id,
              file.file_id,
              start + index,
              chunk.text,
              chunk.embedding ? embeddingBytes(chunk.embedding) : null,
            ),
          );
        return true;
      });
      if (!written) return false;
    }
    return true;
  }

  /**
   * Deletes the row's chunks, a slice per write. The row's key names its chunks only while the
   * row is there: once it is gone, its deletion or replacement took them.
   */
  async drop(file: FileKey): Promise<void> {
    await this.#commits.deleteInBatches(CHUNKS_PER_DELETE, () =>
      this.#exists(file.seq)
        ? this.#sql
            .get(
              `DELETE FROM vector_store_chunks WHERE id IN
                 (SELECT id FROM vector_store_chunks WHERE vector_store_id = ? AND file_id = ? LIMIT ?)`,
            )
            .run(file.vector_store_id, file.file_id, CHUNKS_PER_DELETE).changes
        : 0,
    );
  }

  /**
   * The row's chunk texts in order, read `CHUNK_TEXTS_PER_PAGE` at a time with the event loop
   * turning between pages (a 16 MiB file's ~11,000 chunks at once held it ~80 ms). A row
   * removed or replaced meanwhile (its chunks go first, a slice per write, then the row) gives
   * undefined, never a part: the row must stay, and the chunks run on from position 0 without
   * a gap to at least as many as there were at first.
   */
  async list(file: FileKey): Promise<string[] | undefined> {
    const page = this.#sql.get(
      `SELECT position, text FROM vector_store_chunks
       WHERE vector_store_id = ? AND file_id = ? AND position >= ? ORDER BY position LIMIT ?`,
    );
    const count = this.#sql.get(
      `SELECT count(*) AS n FROM vector_store_chunks WHERE vector_store_id = ? AND file_id = ?`,
    );
    let total = 0;
    const texts: string[] = [];
    for (;;) {
      // One snapshot per page: the row's presence and the page agree.
      const rows = this.#db
        .transaction(() => {
          if (!this.#exists(file.seq)) return undefined;
          if (texts.length === 0) total = (count.get(file.vector_store_id, file.file_id) as { n: number }).n;
          return page.all(
            file.vector_store_id,
            file.file_id,
            texts.length,
            CHUNK_TEXTS_PER_PAGE,
          ) as ChunkTextRow[];
        })
        .deferred();
      if (!rows) return undefined;
      for (const row of rows) {
        if (row.position !== texts.length) return undefined;
        texts.push(row.text);
      }
      if (rows.length < CHUNK_TEXTS_PER_PAGE) return texts.length >= total ? texts : undefined;
      await nextTurn();
    }
  }

  /** Whether the row `seq` is still in progress (neither finished, cancelled, replaced nor removed). */
  inProgress(seq: number): boolean {
    return (
      this.#sql.get(`SELECT 1 FROM vector_store_files WHERE seq = ? AND status = 'in_progress'`).get(seq) !==
      undefined
    );
  }

  #exists(seq: number): boolean {
    return this.#sql.get(`SELECT 1 FROM vector_store_files WHERE seq = ?`).get(seq) !== undefined;
  }
}
