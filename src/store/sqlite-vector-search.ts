import type { Attributes } from '../api/vector-stores.ts';
import { nextTurn } from '../next-turn.ts';
import type { Owner } from './owner.ts';
import type { StatementCache } from './statement-cache.ts';
import {
  fromScopeRow,
  ftsMatch,
  readEmbedding,
  SCOPE_JOINS,
  scopeKey,
  type ScopeRow,
  toChunkText,
  toFileAttributes,
  type ChunkTextRow,
  type FileAttributesRow,
} from './vector-store-rows.ts';
import type {
  ChunkEmbedding,
  ChunkHit,
  ChunkText,
  SearchScope,
  VectorStoreStore,
} from './vector-store-store.ts';

/** Chunks of completed files in the scope's stores (`:stores`, a JSON list), of `:files` when given. */
const IN_SCOPE = `v.owner = :owner AND f.status = 'completed'
  AND c.vector_store_id IN (SELECT value FROM json_each(:stores))
  AND (:files IS NULL OR (c.vector_store_id || ' ' || c.file_id) IN (SELECT value FROM json_each(:files)))`;

/** Embeddings read per page of a search: ~8 ms of the event loop at 384 dimensions. */
export const EMBEDDINGS_PER_PAGE = 1000;

/**
 * The search reads of the SQLite VectorStoreStore: the chunks in a search's scope, by words
 * (FTS5) or with their embeddings, and what a hit shows. Only reads, so apart from the CRUD.
 */
export class SqliteVectorSearch implements Pick<
  VectorStoreStore,
  'textSearch' | 'embeddings' | 'chunkTexts' | 'fileAttributes'
> {
  readonly #sql: StatementCache;

  constructor(sql: StatementCache) {
    this.#sql = sql;
  }

  async textSearch(scope: SearchScope, terms: readonly string[], limit: number): Promise<ChunkHit[]> {
    if (terms.length === 0) return [];
    const rows = this.#sql
      .get(
        `SELECT c.id AS chunk_id, c.vector_store_id, c.file_id FROM vector_store_chunks_fts
         JOIN vector_store_chunks c ON c.id = vector_store_chunks_fts.rowid ${SCOPE_JOINS}
         WHERE vector_store_chunks_fts MATCH :match AND ${IN_SCOPE}
         ORDER BY bm25(vector_store_chunks_fts) LIMIT :limit`,
      )
      .all({ ...scopeParams(scope), match: ftsMatch(terms), limit }) as ScopeRow[];
    return rows.map((row, index) => ({ ...fromScopeRow(row), rank: index + 1 }));
  }

  /**
   * Page by page along the chunks' index: each completed file in scope, and its chunks in
   * order from where the last read ended, gathered into pages of EMBEDDINGS_PER_PAGE. One query
   * over all of them, ordered, would sort the whole scope for every page.
   */
  async *embeddings(scope: SearchScope, model: string, limit: number): AsyncIterable<ChunkEmbedding[]> {
    const files = this.#sql
      .get(
        `SELECT f.vector_store_id, f.file_id FROM vector_store_files f JOIN vector_stores v ON v.id = f.vector_store_id
         WHERE v.owner = :owner AND f.status = 'completed' AND f.embedding_model = :model
           AND f.vector_store_id IN (SELECT value FROM json_each(:stores))
           AND (:files IS NULL OR (f.vector_store_id || ' ' || f.file_id) IN (SELECT value FROM json_each(:files)))
         ORDER BY f.seq`,
      )
      .all({ ...scopeParams(scope), model }) as Array<{ vector_store_id: string; file_id: string }>;
    const next = this.#sql.get(
      `SELECT id, position, embedding FROM vector_store_chunks
       WHERE vector_store_id = ? AND file_id = ? AND position >= ? AND embedding IS NOT NULL
       ORDER BY position LIMIT ?`,
    );
    let left = limit;
    let page: ChunkEmbedding[] = [];
    for (const file of files) {
      for (let from = 0; left > 0;) {
        const want = Math.min(EMBEDDINGS_PER_PAGE - page.length, left);
        const rows = next.all(file.vector_store_id, file.file_id, from, want) as Array<{
          id: number;
          position: number;
          embedding: Buffer;
        }>;
        for (const row of rows)
          page.push({
            chunkId: row.id,
            vectorStoreId: file.vector_store_id,
            fileId: file.file_id,
            embedding: readEmbedding(row.embedding),
          });
        left -= rows.length;
        if (page.length === EMBEDDINGS_PER_PAGE) {
          yield page;
          page = [];
          await nextTurn();
        }
        if (rows.length < want) break;
        from = rows.at(-1)!.position + 1;
      }
    }
    if (page.length > 0) yield page;
  }

  async chunkTexts(chunkIds: readonly number[], owner: Owner): Promise<ChunkText[]> {
    const rows = this.#all<ChunkTextRow>(
      `SELECT c.id AS chunk_id, c.vector_store_id, c.file_id, f.filename, f.attributes_json, c.text
       FROM vector_store_chunks c ${SCOPE_JOINS}
       WHERE c.id IN (SELECT value FROM json_each(?)) AND v.owner = ?`,
      JSON.stringify(chunkIds),
      owner,
    );
    return rows.map(toChunkText);
  }

  async fileAttributes(
    vectorStoreIds: readonly string[],
    owner: Owner,
  ): Promise<Array<{ vectorStoreId: string; fileId: string; attributes: Attributes | null }>> {
    const rows = this.#all<FileAttributesRow>(
      `SELECT f.vector_store_id, f.file_id, f.attributes_json FROM vector_store_files f
       JOIN vector_stores v ON v.id = f.vector_store_id
       WHERE v.owner = ? AND f.status = 'completed' AND f.vector_store_id IN (SELECT value FROM json_each(?))`,
      owner,
      JSON.stringify(vectorStoreIds),
    );
    return rows.map(toFileAttributes);
  }

  #all<R>(sql: string, ...values: unknown[]): R[] {
    return this.#sql.get(sql).all(...values) as R[];
  }
}

function scopeParams(scope: SearchScope) {
  return {
    owner: scope.owner,
    stores: JSON.stringify(scope.vectorStoreIds),
    files: scope.fileIds
      ? JSON.stringify(scope.fileIds.map((one) => scopeKey(one.vectorStoreId, one.fileId)))
      : null,
  };
}
