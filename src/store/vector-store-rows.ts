import type { Attributes, ChunkingStrategy } from '../api/vector-stores.ts';
import { interruptedWork } from './instance-store.ts';
import type { Owner } from './owner.ts';
import type {
  ChunkText,
  FileBatchObject,
  FileCounts,
  NewVectorStore,
  VectorStoreFileObject,
  VectorStoreFileStatus,
  VectorStoreObject,
} from './vector-store-store.ts';

/** Numbers may arrive as strings from PostgreSQL's BIGINT. */
type Num = number | string;

export interface VectorStoreRow {
  id: string;
  name: string;
  created_at: Num;
  last_active_at: Num | null;
  metadata_json: string;
  expires_after_days: Num | null;
  expires_at: Num | null;
}

export interface VectorStoreFileRow {
  file_id: string;
  vector_store_id: string;
  created_at: Num;
  status: string;
  last_error_json: string | null;
  attributes_json: string | null;
  chunking_json: string;
  usage_bytes: Num;
}

export interface StatusCountRow {
  status: string;
  count: Num;
  usage_bytes: Num | null;
}

export const VECTOR_STORE_COLUMNS =
  'id, name, created_at, last_active_at, metadata_json, expires_after_days, expires_at';
export const VECTOR_STORE_FILE_COLUMNS =
  'file_id, vector_store_id, created_at, status, last_error_json, attributes_json, chunking_json, usage_bytes';

/** The columns a new vector store is inserted with, and their values in that order. */
export const NEW_VECTOR_STORE_COLUMNS =
  'id, owner, name, created_at, last_active_at, metadata_json, expires_after_days, expires_at';

export function newVectorStoreValues(store: NewVectorStore, owner: Owner): unknown[] {
  return [
    store.id,
    owner,
    store.name,
    store.created_at,
    store.last_active_at,
    JSON.stringify(store.metadata),
    store.expires_after?.days ?? null,
    store.expires_at,
  ];
}

/** The columns a file added to a vector store is inserted with (besides its status), and their values. */
export const NEW_FILE_COLUMNS =
  'vector_store_id, file_id, filename, batch_id, created_at, attributes_json, chunking_json, instance';

export function newFileValues(
  file: VectorStoreFileObject,
  filename: string,
  batchId: string | null,
  instance: string,
): unknown[] {
  return [
    file.vector_store_id,
    file.id,
    filename,
    batchId,
    file.created_at,
    file.attributes === null ? null : JSON.stringify(file.attributes),
    JSON.stringify(file.chunking_strategy),
    instance,
  ];
}

/** What a file says that a stopped or lost instance left in progress. */
export const INTERRUPTED_FILE_ERROR = JSON.stringify({
  code: 'server_error',
  message: 'The server stopped before it finished processing the file: add the file again.',
});

/**
 * Fails the files that instances whose lease lapsed left in progress, returning their keys
 * (placeholders: the error's JSON, this instance, now in milliseconds; see interruptedWork).
 */
export function failInterruptedFiles(error: string, self: string, now: string): string {
  return `UPDATE vector_store_files SET status = 'failed', last_error_json = ${error}
    WHERE status = 'in_progress' AND ${interruptedWork('vector_store_files', self, now)}
    RETURNING seq, vector_store_id, file_id`;
}

export function fileCounts(rows: readonly StatusCountRow[]): { counts: FileCounts; usageBytes: number } {
  const counts: FileCounts = { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 };
  let usageBytes = 0;
  for (const row of rows) {
    const count = Number(row.count);
    if (row.status in counts) counts[row.status as VectorStoreFileStatus] += count;
    counts.total += count;
    usageBytes += Number(row.usage_bytes ?? 0);
  }
  return { counts, usageBytes };
}

/** `now` in Unix seconds decides `expired`. */
export function toVectorStore(
  row: VectorStoreRow,
  counts: readonly StatusCountRow[],
  now: number,
): VectorStoreObject {
  const { counts: file_counts, usageBytes } = fileCounts(counts);
  const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
  const status =
    expiresAt !== null && expiresAt <= now
      ? 'expired'
      : file_counts.in_progress > 0
        ? 'in_progress'
        : 'completed';
  return {
    id: row.id,
    object: 'vector_store',
    name: row.name,
    created_at: Number(row.created_at),
    last_active_at: row.last_active_at === null ? null : Number(row.last_active_at),
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    ...(row.expires_after_days !== null
      ? { expires_after: { anchor: 'last_active_at' as const, days: Number(row.expires_after_days) } }
      : {}),
    expires_at: expiresAt,
    status,
    file_counts,
    usage_bytes: usageBytes,
  };
}

export function toVectorStoreFile(row: VectorStoreFileRow): VectorStoreFileObject {
  return {
    id: row.file_id,
    object: 'vector_store.file',
    vector_store_id: row.vector_store_id,
    created_at: Number(row.created_at),
    status: row.status as VectorStoreFileStatus,
    last_error:
      row.last_error_json === null
        ? null
        : (JSON.parse(row.last_error_json) as VectorStoreFileObject['last_error']),
    attributes: readAttributes(row.attributes_json),
    chunking_strategy: JSON.parse(row.chunking_json) as ChunkingStrategy,
    usage_bytes: Number(row.usage_bytes),
  };
}

export function toFileBatch(
  row: { id: string; vector_store_id: string; created_at: Num; cancelled: number | boolean },
  counts: readonly StatusCountRow[],
): FileBatchObject {
  const { counts: file_counts } = fileCounts(counts);
  const status = row.cancelled
    ? 'cancelled'
    : file_counts.in_progress > 0
      ? 'in_progress'
      : file_counts.total > 0 && file_counts.failed === file_counts.total
        ? 'failed'
        : 'completed';
  return {
    id: row.id,
    object: 'vector_store.files_batch',
    vector_store_id: row.vector_store_id,
    created_at: Number(row.created_at),
    status,
    file_counts,
  };
}

/** Float32 values as little-endian bytes, the way both backends keep embeddings. */
export function embeddingBytes(embedding: Float32Array): Buffer {
  return Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);
}

export function readEmbedding(bytes: Buffer): Float32Array {
  // Copied: a Buffer's offset into its pool need not be 4-byte aligned.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The key a (store, file) pair is matched by in a scope's file list. */
/** A file's attributes as stored (`attributes_json`): JSON, or null for none. */
export function readAttributes(json: string | null): Attributes | null {
  return json === null ? null : (JSON.parse(json) as Attributes);
}

/** Joins a chunk (`c`) to its file (`f`) and its store (`v`), which a search's scope reads. */
export const SCOPE_JOINS = `JOIN vector_store_files f ON f.vector_store_id = c.vector_store_id AND f.file_id = c.file_id
  JOIN vector_stores v ON v.id = c.vector_store_id`;

/** A search hit's text with its file's name and attributes, as both backends select it. */
export type ChunkTextRow = ScopeRow & { filename: string; attributes_json: string | null; text: string };

export function toChunkText(row: ChunkTextRow): ChunkText {
  return {
    ...fromScopeRow(row),
    filename: row.filename,
    attributes: readAttributes(row.attributes_json),
    text: row.text,
  };
}

/** A completed file's attributes, which attribute filters run on. */
export interface FileAttributesRow {
  vector_store_id: string;
  file_id: string;
  attributes_json: string | null;
}

export function toFileAttributes(row: FileAttributesRow): {
  vectorStoreId: string;
  fileId: string;
  attributes: Attributes | null;
} {
  return {
    vectorStoreId: row.vector_store_id,
    fileId: row.file_id,
    attributes: readAttributes(row.attributes_json),
  };
}

/** A chunk's place as a search query selects it (`c.id AS chunk_id, c.vector_store_id, c.file_id`). */
export interface ScopeRow {
  /** A bigint from PostgreSQL arrives as a string. */
  chunk_id: string | number;
  vector_store_id: string;
  file_id: string;
}

export function fromScopeRow(row: ScopeRow): { chunkId: number; vectorStoreId: string; fileId: string } {
  return { chunkId: Number(row.chunk_id), vectorStoreId: row.vector_store_id, fileId: row.file_id };
}

export const scopeKey = (vectorStoreId: string, fileId: string) => `${vectorStoreId} ${fileId}`;

/** An FTS5 query matching any of the words, each quoted so nothing in it is syntax. */
export function ftsMatch(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}
