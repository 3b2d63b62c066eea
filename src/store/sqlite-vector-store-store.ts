import type { Database } from 'better-sqlite3';
import type { Attributes, ExpiresAfter } from '../api/vector-stores.ts';
import { interruptedWork } from './instance-store.ts';
import type { Owner } from './owner.ts';
import { seqBounds, toObjectPage } from './seq-page.ts';
import { SqliteFileChunks, type FileKey } from './sqlite-file-chunks.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { StatementCache } from './statement-cache.ts';
import { SqliteVectorSearch } from './sqlite-vector-search.ts';
import { VECTOR_STORE_MIGRATIONS } from './vector-store-migrations.ts';
import {
  failInterruptedFiles,
  INTERRUPTED_FILE_ERROR,
  NEW_FILE_COLUMNS,
  NEW_VECTOR_STORE_COLUMNS,
  newFileValues,
  newVectorStoreValues,
  toFileBatch,
  toVectorStore,
  toVectorStoreFile,
  VECTOR_STORE_COLUMNS,
  VECTOR_STORE_FILE_COLUMNS,
  type StatusCountRow,
  type VectorStoreFileRow,
  type VectorStoreRow,
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

const OWNED = `vector_store_id IN (SELECT id FROM vector_stores WHERE id = ? AND owner = ?)`;

/**
 * The embedded VectorStoreStore, on the handle shared with the other stores. Its writes go
 * through the group commit (`commits`): durable before they resolve, synced off the event loop.
 */
export class SqliteVectorStoreStore implements VectorStoreStore {
  readonly #db: Database;
  readonly #sql: StatementCache;
  readonly #clock: () => number;
  readonly #commits: SqliteGroupCommit;
  readonly #search: SqliteVectorSearch;
  readonly #chunks: SqliteFileChunks;
  readonly #instance: string;

  /** `instance`: this process's, recorded on the files it processes. */
  constructor(db: Database, clock: () => number, commits: SqliteGroupCommit, instance: string) {
    migrate(db, 'vector_stores', VECTOR_STORE_MIGRATIONS);
    this.#db = db;
    this.#instance = instance;
    this.#sql = new StatementCache(db);
    this.#search = new SqliteVectorSearch(this.#sql);
    this.#chunks = new SqliteFileChunks(db, this.#sql, commits);
    this.#clock = clock;
    this.#commits = commits;
  }

  async create(store: NewVectorStore, owner: Owner): Promise<void> {
    await this.#write(() =>
      this.#run(
        `INSERT INTO vector_stores (${NEW_VECTOR_STORE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ...newVectorStoreValues(store, owner),
      ),
    );
  }

  async get(id: string, owner: Owner): Promise<VectorStoreObject | undefined> {
    return this.#read(() => this.#store(id, owner));
  }

  async update(
    id: string,
    change: { name?: string; metadata?: Record<string, string>; expires_after?: ExpiresAfter | null },
    owner: Owner,
  ): Promise<VectorStoreObject | undefined> {
    return this.#write(() => {
      const row = this.#row(id, owner);
      if (!row) return undefined;
      const days =
        change.expires_after === undefined ? row.expires_after_days : (change.expires_after?.days ?? null);
      const anchor = Number(row.last_active_at ?? row.created_at);
      this.#run(
        `UPDATE vector_stores SET name = ?, metadata_json = ?, expires_after_days = ?, expires_at = ? WHERE id = ?`,
        change.name ?? row.name,
        change.metadata === undefined ? row.metadata_json : JSON.stringify(change.metadata),
        days,
        days === null ? null : anchor + Number(days) * 86_400,
        id,
      );
      return this.#store(id, owner);
    });
  }

  async touch(id: string, now: number, owner: Owner): Promise<void> {
    await this.#write(() =>
      this.#run(
        `UPDATE vector_stores SET last_active_at = ?,
         expires_at = CASE WHEN expires_after_days IS NULL THEN expires_at ELSE ? + expires_after_days * 86400 END
       WHERE id = ? AND owner = ?`,
        now,
        now,
        id,
        owner,
      ),
    );
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    for (const file of this.#fileRows(owner, `vector_store_id = ?`, id)) await this.#chunks.drop(file);
    return (
      (await this.#write(() =>
        this.#run(`DELETE FROM vector_stores WHERE id = ? AND owner = ?`, id, owner),
      )) > 0
    );
  }

  async list(owner: Owner, query: ListQuery): Promise<ObjectPage<VectorStoreObject>> {
    return this.#read(() => {
      const bounds = seqBounds(query, (id) =>
        this.#seq(`SELECT seq FROM vector_stores WHERE id = ? AND owner = ?`, id, owner),
      );
      const rows = this.#all<VectorStoreRow>(
        `SELECT ${VECTOR_STORE_COLUMNS} FROM vector_stores WHERE owner = ? AND seq > ? AND seq < ?
         ORDER BY seq ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
        owner,
        bounds.lower,
        bounds.upper,
        query.limit + 1,
      );
      const now = this.#now();
      return toObjectPage(
        rows.map((row) => toVectorStore(row, this.#counts(row.id), now)),
        query.limit,
      );
    });
  }

  async addFile(
    file: VectorStoreFileObject,
    filename: string,
    batchId: string | null,
    owner: Owner,
  ): Promise<boolean> {
    // A file added again replaces the one there: its chunks go first, a slice at a time.
    for (const old of this.#fileRows(
      owner,
      `vector_store_id = ? AND file_id = ?`,
      file.vector_store_id,
      file.id,
    ))
      await this.#chunks.drop(old);
    return this.#write(() => {
      if (!this.#row(file.vector_store_id, owner)) return false;
      this.#run(
        `DELETE FROM vector_store_files WHERE vector_store_id = ? AND file_id = ?`,
        file.vector_store_id,
        file.id,
      );
      this.#run(
        `INSERT INTO vector_store_files (${NEW_FILE_COLUMNS}, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'in_progress')`,
        ...newFileValues(file, filename, batchId, this.#instance),
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
    const [file] = this.#fileRows(
      owner,
      `vector_store_id = ? AND file_id = ? AND status = 'in_progress'`,
      vectorStoreId,
      fileId,
    );
    if (!file) return this.#file(vectorStoreId, fileId, owner);
    // The chunks are written a slice at a time before the file is marked completed: searches
    // read completed files only, so none sees a part. A file cancelled, replaced or removed
    // meanwhile stops the writing, and what was written goes.
    const chunks = outcome.status === 'completed' ? outcome.chunks : [];
    if (!(await this.#chunks.write(file, chunks))) return this.#abandon(file, owner);
    const usage = chunks.reduce(
      (sum, chunk) => sum + Buffer.byteLength(chunk.text) + (chunk.embedding?.byteLength ?? 0),
      0,
    );
    const finished = await this.#write(() => {
      if (!this.#chunks.inProgress(file.seq)) return false;
      this.#run(
        `UPDATE vector_store_files SET status = ?, last_error_json = ?, usage_bytes = ?, embedding_model = ? WHERE seq = ?`,
        outcome.status,
        outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
        usage,
        outcome.status === 'completed' ? outcome.embeddingModel : null,
        file.seq,
      );
      return true;
    });
    return finished ? this.#file(vectorStoreId, fileId, owner) : this.#abandon(file, owner);
  }

  async getFile(
    vectorStoreId: string,
    fileId: string,
    owner: Owner,
  ): Promise<VectorStoreFileObject | undefined> {
    return this.#file(vectorStoreId, fileId, owner);
  }

  async updateFile(
    vectorStoreId: string,
    fileId: string,
    attributes: Attributes | null,
    owner: Owner,
  ): Promise<VectorStoreFileObject | undefined> {
    return this.#write(() => {
      const changed = this.#run(
        `UPDATE vector_store_files SET attributes_json = ? WHERE ${OWNED} AND file_id = ?`,
        attributes === null ? null : JSON.stringify(attributes),
        vectorStoreId,
        owner,
        fileId,
      );
      return changed > 0 ? this.#file(vectorStoreId, fileId, owner) : undefined;
    });
  }

  async deleteFile(vectorStoreId: string, fileId: string, owner: Owner): Promise<boolean> {
    for (const file of this.#fileRows(owner, `vector_store_id = ? AND file_id = ?`, vectorStoreId, fileId))
      await this.#chunks.drop(file);
    const deleted = await this.#write(() =>
      this.#run(
        `DELETE FROM vector_store_files WHERE ${OWNED} AND file_id = ?`,
        vectorStoreId,
        owner,
        fileId,
      ),
    );
    return deleted > 0;
  }

  async deleteFileEverywhere(fileId: string, owner: Owner): Promise<number> {
    for (const file of this.#fileRows(owner, `file_id = ?`, fileId)) await this.#chunks.drop(file);
    return this.#write(() =>
      this.#run(
        `DELETE FROM vector_store_files WHERE file_id = ? AND vector_store_id IN (SELECT id FROM vector_stores WHERE owner = ?)`,
        fileId,
        owner,
      ),
    );
  }

  async listFiles(
    vectorStoreId: string,
    owner: Owner,
    query: FileListQuery,
  ): Promise<ObjectPage<VectorStoreFileObject> | undefined> {
    return this.#read(() => {
      if (!this.#row(vectorStoreId, owner)) return undefined;
      const bounds = seqBounds(query, (id) =>
        this.#seq(
          `SELECT seq FROM vector_store_files WHERE vector_store_id = ? AND file_id = ?`,
          vectorStoreId,
          id,
        ),
      );
      const rows = this.#all<VectorStoreFileRow>(
        `SELECT ${VECTOR_STORE_FILE_COLUMNS} FROM vector_store_files
         WHERE vector_store_id = ? AND seq > ? AND seq < ? AND (? IS NULL OR status = ?) AND (? IS NULL OR batch_id = ?)
         ORDER BY seq ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
        vectorStoreId,
        bounds.lower,
        bounds.upper,
        query.filter ?? null,
        query.filter ?? null,
        query.batchId ?? null,
        query.batchId ?? null,
        query.limit + 1,
      );
      return toObjectPage(rows.map(toVectorStoreFile), query.limit);
    });
  }

  async fileChunks(vectorStoreId: string, fileId: string, owner: Owner): Promise<string[] | undefined> {
    const [file] = this.#fileRows(owner, `vector_store_id = ? AND file_id = ?`, vectorStoreId, fileId);
    return file && this.#chunks.list(file);
  }

  async createBatch(
    batch: { id: string; vector_store_id: string; created_at: number },
    owner: Owner,
  ): Promise<boolean> {
    return this.#write(() => {
      if (!this.#row(batch.vector_store_id, owner)) return false;
      this.#run(
        `INSERT INTO vector_store_file_batches (id, vector_store_id, created_at) VALUES (?, ?, ?)`,
        batch.id,
        batch.vector_store_id,
        batch.created_at,
      );
      return true;
    });
  }

  async getBatch(vectorStoreId: string, batchId: string, owner: Owner): Promise<FileBatchObject | undefined> {
    return this.#read(() => this.#batch(vectorStoreId, batchId, owner));
  }

  async cancelBatch(
    vectorStoreId: string,
    batchId: string,
    owner: Owner,
  ): Promise<FileBatchObject | undefined> {
    return this.#write(() => {
      const batch = this.#batch(vectorStoreId, batchId, owner);
      if (!batch || batch.status !== 'in_progress') return batch;
      this.#run(`UPDATE vector_store_file_batches SET cancelled = 1 WHERE id = ?`, batchId);
      this.#run(
        `UPDATE vector_store_files SET status = 'cancelled' WHERE batch_id = ? AND status = 'in_progress'`,
        batchId,
      );
      return this.#batch(vectorStoreId, batchId, owner);
    });
  }

  async recoverInterrupted(): Promise<number> {
    // A read first: the heartbeat asks every beat, and nearly always there is nothing to write.
    const now = this.#clock();
    const unfinished = this.#sql
      .get(
        `SELECT 1 FROM vector_store_files
         WHERE status = 'in_progress' AND ${interruptedWork('vector_store_files', '?', '?')} LIMIT 1`,
      )
      .get(this.#instance, now);
    if (unfinished === undefined) return 0;
    const failed = await this.#write(() =>
      this.#all<FileKey>(failInterruptedFiles('?', '?', '?'), INTERRUPTED_FILE_ERROR, this.#instance, now),
    );
    for (const file of failed) await this.#chunks.drop(file);
    return failed.length;
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

  #store(id: string, owner: Owner): VectorStoreObject | undefined {
    const row = this.#row(id, owner);
    return row && toVectorStore(row, this.#counts(id), this.#now());
  }

  #row(id: string, owner: Owner): VectorStoreRow | undefined {
    return this.#sql
      .get(`SELECT ${VECTOR_STORE_COLUMNS} FROM vector_stores WHERE id = ? AND owner = ?`)
      .get(id, owner) as VectorStoreRow | undefined;
  }

  #counts(id: string, batchId?: string): StatusCountRow[] {
    if (batchId !== undefined)
      return this.#all<StatusCountRow>(
        `SELECT status, count(*) AS count, sum(usage_bytes) AS usage_bytes FROM vector_store_files
         WHERE vector_store_id = ? AND batch_id = ? GROUP BY status`,
        id,
        batchId,
      );
    return this.#all<StatusCountRow>(
      `SELECT status, count(*) AS count, sum(usage_bytes) AS usage_bytes FROM vector_store_files
       WHERE vector_store_id = ? GROUP BY status`,
      id,
    );
  }

  #file(vectorStoreId: string, fileId: string, owner: Owner): VectorStoreFileObject | undefined {
    const row = this.#sql
      .get(`SELECT ${VECTOR_STORE_FILE_COLUMNS} FROM vector_store_files WHERE ${OWNED} AND file_id = ?`)
      .get(vectorStoreId, owner, fileId) as VectorStoreFileRow | undefined;
    return row && toVectorStoreFile(row);
  }

  #batch(vectorStoreId: string, batchId: string, owner: Owner): FileBatchObject | undefined {
    const row = this.#sql
      .get(
        `SELECT id, vector_store_id, created_at, cancelled FROM vector_store_file_batches WHERE ${OWNED} AND id = ?`,
      )
      .get(vectorStoreId, owner, batchId) as
      { id: string; vector_store_id: string; created_at: number; cancelled: number } | undefined;
    return row && toFileBatch(row, this.#counts(vectorStoreId, batchId));
  }

  #seq(sql: string, ...values: unknown[]): number | undefined {
    return (this.#sql.get(sql).get(...values) as { seq: number } | undefined)?.seq;
  }

  #all<R>(sql: string, ...values: unknown[]): R[] {
    return this.#sql.get(sql).all(...values) as R[];
  }

  /** The owner's file rows matching `where` (on vector_store_files), with their `seq`. */
  #fileRows(owner: Owner, where: string, ...values: unknown[]): FileKey[] {
    return this.#all<FileKey>(
      `SELECT seq, vector_store_id, file_id FROM vector_store_files
       WHERE ${where} AND vector_store_id IN (SELECT id FROM vector_stores WHERE owner = ?)`,
      ...values,
      owner,
    );
  }

  /** A file that stopped being in progress while its chunks were written: drops them, and says what it is now. */
  async #abandon(file: FileKey, owner: Owner): Promise<VectorStoreFileObject | undefined> {
    await this.#chunks.drop(file);
    return this.#file(file.vector_store_id, file.file_id, owner);
  }

  #write<T>(work: () => T): Promise<T> {
    return this.#commits.write(work);
  }

  #run(sql: string, ...values: unknown[]): number {
    return this.#sql.get(sql).run(...values).changes;
  }

  /** Several reads from one snapshot, so a concurrent write cannot split an answer. */
  #read<T>(work: () => T): T {
    return this.#db.transaction(work).deferred();
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000);
  }
}
