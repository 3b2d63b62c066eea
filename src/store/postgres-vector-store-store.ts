import type { PoolClient, QueryResultRow } from 'pg';
import type { Attributes, ExpiresAfter } from '../api/vector-stores.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import { PostgresVectorSearch } from './postgres-vector-search.ts';
import { seqBounds, toObjectPage } from './seq-page.ts';
import {
  embeddingBytes,
  toFileBatch,
  toVectorStore,
  toVectorStoreFile,
  VECTOR_STORE_COLUMNS,
  VECTOR_STORE_FILE_COLUMNS,
  type StatusCountRow,
  type VectorStoreFileRow,
  type VectorStoreRow,
  failInterruptedFiles,
  INTERRUPTED_FILE_ERROR,
  NEW_FILE_COLUMNS,
  NEW_VECTOR_STORE_COLUMNS,
  newFileValues,
  newVectorStoreValues,
} from './vector-store-rows.ts';
import type {
  ChunkEmbedding,
  ChunkHit,
  ChunkText,
  FileBatchObject,
  FileListQuery,
  FileOutcome,
  ListQuery,
  NewVectorStore,
  ObjectPage,
  SearchScope,
  VectorStoreFileObject,
  VectorStoreObject,
  VectorStoreStore,
} from './vector-store-store.ts';

/** $1 the store's id, $2 the owner. */
const OWNED = `vector_store_id IN (SELECT id FROM vector_stores WHERE id = $1 AND owner = $2)`;

type Seq = { seq: string };

/** The VectorStoreStore on PostgreSQL, on the pool shared with the other stores. */
export class PostgresVectorStoreStore implements VectorStoreStore {
  readonly #search: PostgresVectorSearch;

  /** `instance`: this process's, recorded on the files it processes. */
  constructor(
    private readonly db: PostgresDatabase,
    private readonly clock: () => number,
    private readonly instance: string,
  ) {
    this.#search = new PostgresVectorSearch(db);
  }

  async create(store: NewVectorStore, owner: Owner): Promise<void> {
    await this.db.execute(
      sql(`INSERT INTO vector_stores (${NEW_VECTOR_STORE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`),
      newVectorStoreValues(store, owner),
    );
  }

  async get(id: string, owner: Owner): Promise<VectorStoreObject | undefined> {
    return this.db.transaction((client) => this.store(client, id, owner), true);
  }

  async update(
    id: string,
    change: { name?: string; metadata?: Record<string, string>; expires_after?: ExpiresAfter | null },
    owner: Owner,
  ): Promise<VectorStoreObject | undefined> {
    return this.db.transaction(async (client) => {
      const row = await this.row(client, id, owner, true);
      if (!row) return undefined;
      const days =
        change.expires_after === undefined
          ? row.expires_after_days === null
            ? null
            : Number(row.expires_after_days)
          : (change.expires_after?.days ?? null);
      const anchor = Number(row.last_active_at ?? row.created_at);
      await this.db.execute(
        sql(
          `UPDATE vector_stores SET name = $2, metadata_json = $3, expires_after_days = $4, expires_at = $5 WHERE id = $1`,
        ),
        [
          id,
          change.name ?? row.name,
          change.metadata === undefined ? row.metadata_json : JSON.stringify(change.metadata),
          days,
          days === null ? null : anchor + days * 86_400,
        ],
        client,
      );
      return this.store(client, id, owner);
    });
  }

  async touch(id: string, now: number, owner: Owner): Promise<void> {
    await this.db.execute(
      sql(`UPDATE vector_stores SET last_active_at = $3::bigint,
             expires_at = CASE WHEN expires_after_days IS NULL THEN expires_at ELSE $3::bigint + expires_after_days * 86400 END
           WHERE id = $1 AND owner = $2`),
      [id, owner, now],
    );
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return (
      (await this.db.execute(sql(`DELETE FROM vector_stores WHERE id = $1 AND owner = $2`), [id, owner])) > 0
    );
  }

  async list(owner: Owner, query: ListQuery): Promise<ObjectPage<VectorStoreObject>> {
    return this.db.transaction(async (client) => {
      const seqs = await this.seqs(
        client,
        sql(`SELECT id, seq FROM vector_stores WHERE owner = $1 AND id = ANY($2::text[])`),
        [owner],
        query,
      );
      const bounds = seqBounds(query, (id) => seqs.get(id));
      const rows = await this.db.query<VectorStoreRow>(
        sql(`SELECT ${VECTOR_STORE_COLUMNS} FROM vector_stores WHERE owner = $1 AND seq > $2 AND seq < $3
             ORDER BY seq ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $4`),
        [owner, bounds.lower, bounds.upper, query.limit + 1],
        client,
      );
      const now = this.now();
      const stores: VectorStoreObject[] = [];
      for (const row of rows) stores.push(toVectorStore(row, await this.counts(client, row.id), now));
      return toObjectPage(stores, query.limit);
    }, true);
  }

  async addFile(
    file: VectorStoreFileObject,
    filename: string,
    batchId: string | null,
    owner: Owner,
  ): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await this.row(client, file.vector_store_id, owner, true))) return false;
      await this.db.execute(
        sql(`DELETE FROM vector_store_files WHERE vector_store_id = $1 AND file_id = $2`),
        [file.vector_store_id, file.id],
        client,
      );
      await this.db.execute(
        sql(
          `INSERT INTO vector_store_files (${NEW_FILE_COLUMNS}, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'in_progress')`,
        ),
        newFileValues(file, filename, batchId, this.instance),
        client,
      );
      return true;
    });
  }

  async finishFile(
    vectorStoreId: string,
    fileId: string,
    outcome: FileOutcome,
    owner: Owner,
  ): Promise<VectorStoreFileObject | undefined> {
    return this.db.transaction(async (client) => {
      const file = await this.file(client, vectorStoreId, fileId, owner, true);
      if (!file || file.status !== 'in_progress') return file;
      let usage = 0;
      if (outcome.status === 'completed' && outcome.chunks.length > 0) {
        const texts = outcome.chunks.map((chunk) => chunk.text);
        const embeddings = outcome.chunks.map((chunk) =>
          chunk.embedding ? embeddingBytes(chunk.embedding) : null,
        );
        for (const chunk of outcome.chunks)
          usage += Buffer.byteLength(chunk.text) + (chunk.embedding?.byteLength ?? 0);
        await this.db.execute(
          sql(`INSERT INTO vector_store_chunks (vector_store_id, file_id, position, text, embedding)
               SELECT $1, $2, ordinality - 1, text, embedding
               FROM unnest($3::text[], $4::bytea[]) WITH ORDINALITY AS given (text, embedding, ordinality)`),
          [vectorStoreId, fileId, texts, embeddings],
          client,
        );
      }
      await this.db.execute(
        sql(`UPDATE vector_store_files SET status = $3, last_error_json = $4, usage_bytes = $5, embedding_model = $6
             WHERE vector_store_id = $1 AND file_id = $2`),
        [
          vectorStoreId,
          fileId,
          outcome.status,
          outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
          usage,
          outcome.status === 'completed' ? outcome.embeddingModel : null,
        ],
        client,
      );
      return this.file(client, vectorStoreId, fileId, owner);
    });
  }

  async getFile(
    vectorStoreId: string,
    fileId: string,
    owner: Owner,
  ): Promise<VectorStoreFileObject | undefined> {
    return this.db.transaction((client) => this.file(client, vectorStoreId, fileId, owner), true);
  }

  async updateFile(
    vectorStoreId: string,
    fileId: string,
    attributes: Attributes | null,
    owner: Owner,
  ): Promise<VectorStoreFileObject | undefined> {
    return this.db.transaction(async (client) => {
      const changed = await this.db.execute(
        sql(`UPDATE vector_store_files SET attributes_json = $4 WHERE ${OWNED} AND file_id = $3`),
        [vectorStoreId, owner, fileId, attributes === null ? null : JSON.stringify(attributes)],
        client,
      );
      return changed > 0 ? this.file(client, vectorStoreId, fileId, owner) : undefined;
    });
  }

  async deleteFile(vectorStoreId: string, fileId: string, owner: Owner): Promise<boolean> {
    const deleted = await this.db.execute(
      sql(`DELETE FROM vector_store_files WHERE ${OWNED} AND file_id = $3`),
      [vectorStoreId, owner, fileId],
    );
    return deleted > 0;
  }

  async deleteFileEverywhere(fileId: string, owner: Owner): Promise<number> {
    return this.db.execute(
      sql(`DELETE FROM vector_store_files WHERE file_id = $1
           AND vector_store_id IN (SELECT id FROM vector_stores WHERE owner = $2)`),
      [fileId, owner],
    );
  }

  async listFiles(
    vectorStoreId: string,
    owner: Owner,
    query: FileListQuery,
  ): Promise<ObjectPage<VectorStoreFileObject> | undefined> {
    return this.db.transaction(async (client) => {
      if (!(await this.row(client, vectorStoreId, owner))) return undefined;
      const seqs = await this.seqs(
        client,
        sql(
          `SELECT file_id AS id, seq FROM vector_store_files WHERE vector_store_id = $1 AND file_id = ANY($2::text[])`,
        ),
        [vectorStoreId],
        query,
      );
      const bounds = seqBounds(query, (id) => seqs.get(id));
      const rows = await this.db.query<VectorStoreFileRow>(
        sql(`SELECT ${VECTOR_STORE_FILE_COLUMNS} FROM vector_store_files
             WHERE vector_store_id = $1 AND seq > $2 AND seq < $3
               AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR batch_id = $5)
             ORDER BY seq ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $6`),
        [
          vectorStoreId,
          bounds.lower,
          bounds.upper,
          query.filter ?? null,
          query.batchId ?? null,
          query.limit + 1,
        ],
        client,
      );
      return toObjectPage(rows.map(toVectorStoreFile), query.limit);
    }, true);
  }

  async fileChunks(vectorStoreId: string, fileId: string, owner: Owner): Promise<string[] | undefined> {
    return this.db.transaction(async (client) => {
      if (!(await this.file(client, vectorStoreId, fileId, owner))) return undefined;
      const rows = await this.db.query<{ text: string }>(
        sql(
          `SELECT text FROM vector_store_chunks WHERE vector_store_id = $1 AND file_id = $2 ORDER BY position`,
        ),
        [vectorStoreId, fileId],
        client,
      );
      return rows.map((row) => row.text);
    }, true);
  }

  async createBatch(
    batch: { id: string; vector_store_id: string; created_at: number },
    owner: Owner,
  ): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await this.row(client, batch.vector_store_id, owner, true))) return false;
      await this.db.execute(
        sql(`INSERT INTO vector_store_file_batches (id, vector_store_id, created_at) VALUES ($1, $2, $3)`),
        [batch.id, batch.vector_store_id, batch.created_at],
        client,
      );
      return true;
    });
  }

  async getBatch(vectorStoreId: string, batchId: string, owner: Owner): Promise<FileBatchObject | undefined> {
    return this.db.transaction((client) => this.batch(client, vectorStoreId, batchId, owner), true);
  }

  async cancelBatch(
    vectorStoreId: string,
    batchId: string,
    owner: Owner,
  ): Promise<FileBatchObject | undefined> {
    return this.db.transaction(async (client) => {
      const batch = await this.batch(client, vectorStoreId, batchId, owner);
      if (!batch || batch.status !== 'in_progress') return batch;
      await this.db.execute(
        sql(`UPDATE vector_store_file_batches SET cancelled = true WHERE id = $1`),
        [batchId],
        client,
      );
      await this.db.execute(
        sql(
          `UPDATE vector_store_files SET status = 'cancelled' WHERE batch_id = $1 AND status = 'in_progress'`,
        ),
        [batchId],
        client,
      );
      return this.batch(client, vectorStoreId, batchId, owner);
    });
  }

  async recoverInterrupted(): Promise<number> {
    // A file's chunks are written with its last status, in one transaction: an interrupted file has none.
    return this.db.execute(sql(failInterruptedFiles('$1', '$2', '$3')), [
      INTERRUPTED_FILE_ERROR,
      this.instance,
      this.clock(),
    ]);
  }

  textSearch(scope: SearchScope, terms: readonly string[], limit: number): Promise<ChunkHit[]> {
    return this.#search.textSearch(scope, terms, limit);
  }

  embeddings(scope: SearchScope, model: string, limit: number): AsyncIterable<ChunkEmbedding[]> {
    return this.#search.embeddings(scope, model, limit);
  }

  chunkTexts(chunkIds: readonly number[], owner: Owner): Promise<ChunkText[]> {
    return this.#search.chunkTexts(chunkIds, owner);
  }

  fileAttributes(
    vectorStoreIds: readonly string[],
    owner: Owner,
  ): ReturnType<VectorStoreStore['fileAttributes']> {
    return this.#search.fileAttributes(vectorStoreIds, owner);
  }

  private async store(client: PoolClient, id: string, owner: Owner): Promise<VectorStoreObject | undefined> {
    const row = await this.row(client, id, owner);
    return row && toVectorStore(row, await this.counts(client, id), this.now());
  }

  /** `lock`: held until the transaction ends, so concurrent changes to the store take turns. */
  private async row(
    client: PoolClient,
    id: string,
    owner: Owner,
    lock = false,
  ): Promise<VectorStoreRow | undefined> {
    const [row] = await this.db.query<VectorStoreRow>(
      lock
        ? sql(`SELECT ${VECTOR_STORE_COLUMNS} FROM vector_stores WHERE id = $1 AND owner = $2 FOR UPDATE`)
        : sql(`SELECT ${VECTOR_STORE_COLUMNS} FROM vector_stores WHERE id = $1 AND owner = $2`),
      [id, owner],
      client,
    );
    return row;
  }

  private counts(client: PoolClient, id: string, batchId: string | null = null): Promise<StatusCountRow[]> {
    return this.db.query<StatusCountRow>(
      sql(`SELECT status, count(*) AS count, sum(usage_bytes) AS usage_bytes FROM vector_store_files
           WHERE vector_store_id = $1 AND ($2::text IS NULL OR batch_id = $2) GROUP BY status`),
      [id, batchId],
      client,
    );
  }

  private async file(
    client: PoolClient,
    vectorStoreId: string,
    fileId: string,
    owner: Owner,
    lock = false,
  ): Promise<VectorStoreFileObject | undefined> {
    const [row] = await this.db.query<VectorStoreFileRow>(
      lock
        ? sql(
            `SELECT ${VECTOR_STORE_FILE_COLUMNS} FROM vector_store_files WHERE ${OWNED} AND file_id = $3 FOR UPDATE`,
          )
        : sql(`SELECT ${VECTOR_STORE_FILE_COLUMNS} FROM vector_store_files WHERE ${OWNED} AND file_id = $3`),
      [vectorStoreId, owner, fileId],
      client,
    );
    return row && toVectorStoreFile(row);
  }

  private async batch(
    client: PoolClient,
    vectorStoreId: string,
    batchId: string,
    owner: Owner,
  ): Promise<FileBatchObject | undefined> {
    const [row] = await this.db.query<{
      id: string;
      vector_store_id: string;
      created_at: string;
      cancelled: boolean;
    }>(
      sql(
        `SELECT id, vector_store_id, created_at, cancelled FROM vector_store_file_batches WHERE ${OWNED} AND id = $3`,
      ),
      [vectorStoreId, owner, batchId],
      client,
    );
    return row && toFileBatch(row, await this.counts(client, vectorStoreId, batchId));
  }

  /** The `seq` of a page's `after` and `before` objects, by id. */
  private async seqs(
    client: PoolClient,
    query: { name: string; text: string },
    leading: unknown[],
    page: ListQuery,
  ): Promise<Map<string, number>> {
    const ids = [page.after, page.before].filter((id): id is string => id !== undefined);
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<Seq & QueryResultRow & { id: string }>(query, [...leading, ids], client);
    return new Map(rows.map((row) => [row.id, Number(row.seq)]));
  }

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }
}
