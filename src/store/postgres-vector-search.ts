import type { Attributes } from '../api/vector-stores.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import {
  fromScopeRow,
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

/** Chunks of completed files: $1 owner, $2 the stores, $3 the `store file` keys or null. */
const IN_SCOPE = `v.owner = $1 AND f.status = 'completed' AND c.vector_store_id = ANY($2::text[])
  AND ($3::text[] IS NULL OR (c.vector_store_id || ' ' || c.file_id) = ANY($3::text[]))`;

/**
 * The search reads of the PostgreSQL VectorStoreStore: the chunks in a search's scope, by words
 * or with their embeddings, and what a hit shows. Only reads, so apart from the CRUD.
 */
export class PostgresVectorSearch implements Pick<
  VectorStoreStore,
  'textSearch' | 'embeddings' | 'chunkTexts' | 'fileAttributes'
> {
  constructor(private readonly db: PostgresDatabase) {}

  async textSearch(scope: SearchScope, terms: readonly string[], limit: number): Promise<ChunkHit[]> {
    if (terms.length === 0) return [];
    const rows = await this.db.query<ScopeRow>(
      sql(`SELECT c.id AS chunk_id, c.vector_store_id, c.file_id
           FROM vector_store_chunks c ${SCOPE_JOINS}, to_tsquery('english', $4) AS query
           WHERE c.search_vector @@ query AND ${IN_SCOPE}
           ORDER BY ts_rank(c.search_vector, query) DESC, c.id LIMIT $5`),
      [...scopeParams(scope), tsQuery(terms), limit],
    );
    return rows.map((row, index) => ({ ...fromScopeRow(row), rank: index + 1 }));
  }

  /** One page: the rows arrive from the socket a chunk at a time, and are parsed as they come. */
  async *embeddings(scope: SearchScope, model: string, limit: number): AsyncIterable<ChunkEmbedding[]> {
    const rows = await this.db.query<ScopeRow & { embedding: Buffer }>(
      sql(`SELECT c.id AS chunk_id, c.vector_store_id, c.file_id, c.embedding FROM vector_store_chunks c ${SCOPE_JOINS}
           WHERE ${IN_SCOPE} AND f.embedding_model = $4 AND c.embedding IS NOT NULL LIMIT $5`),
      [...scopeParams(scope), model, limit],
    );
    yield rows.map((row) => ({ ...fromScopeRow(row), embedding: readEmbedding(row.embedding) }));
  }

  async chunkTexts(chunkIds: readonly number[], owner: Owner): Promise<ChunkText[]> {
    const rows = await this.db.query<ChunkTextRow>(
      sql(`SELECT c.id AS chunk_id, c.vector_store_id, c.file_id, f.filename, f.attributes_json, c.text
           FROM vector_store_chunks c ${SCOPE_JOINS} WHERE c.id = ANY($1::bigint[]) AND v.owner = $2`),
      [chunkIds, owner],
    );
    return rows.map(toChunkText);
  }

  async fileAttributes(
    vectorStoreIds: readonly string[],
    owner: Owner,
  ): Promise<Array<{ vectorStoreId: string; fileId: string; attributes: Attributes | null }>> {
    const rows = await this.db.query<FileAttributesRow>(
      sql(`SELECT f.vector_store_id, f.file_id, f.attributes_json FROM vector_store_files f
           JOIN vector_stores v ON v.id = f.vector_store_id
           WHERE v.owner = $1 AND f.status = 'completed' AND f.vector_store_id = ANY($2::text[])`),
      [owner, vectorStoreIds],
    );
    return rows.map(toFileAttributes);
  }
}

function scopeParams(scope: SearchScope): unknown[] {
  return [
    scope.owner,
    scope.vectorStoreIds,
    scope.fileIds ? scope.fileIds.map((one) => scopeKey(one.vectorStoreId, one.fileId)) : null,
  ];
}

/** A tsquery matching any of the words; each is quoted, so nothing in it is syntax. */
function tsQuery(terms: readonly string[]): string {
  return terms.map((term) => `'${term.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`).join(' | ');
}
