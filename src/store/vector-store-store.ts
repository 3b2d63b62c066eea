import type { Attributes, ChunkingStrategy, ExpiresAfter } from '../api/vector-stores.ts';
import type { Owner } from './owner.ts';

export type FileCounts = Record<'in_progress' | 'completed' | 'failed' | 'cancelled' | 'total', number>;

/** A vector store as the API answers it; `file_counts`, `usage_bytes` and `status` come from its files. */
export interface VectorStoreObject {
  id: string;
  object: 'vector_store';
  name: string;
  created_at: number;
  last_active_at: number | null;
  metadata: Record<string, string>;
  expires_after?: ExpiresAfter;
  expires_at: number | null;
  status: 'expired' | 'in_progress' | 'completed';
  file_counts: FileCounts;
  usage_bytes: number;
}

/** What a vector store is made of; the rest is derived. */
export type NewVectorStore = Omit<VectorStoreObject, 'object' | 'status' | 'file_counts' | 'usage_bytes'>;

export type VectorStoreFileStatus = 'in_progress' | 'completed' | 'cancelled' | 'failed';

export interface VectorStoreFileObject {
  /** The file's id. */
  id: string;
  object: 'vector_store.file';
  vector_store_id: string;
  created_at: number;
  status: VectorStoreFileStatus;
  last_error: { code: 'server_error' | 'unsupported_file' | 'invalid_file'; message: string } | null;
  attributes: Attributes | null;
  chunking_strategy: ChunkingStrategy;
  usage_bytes: number;
}

export interface FileBatchObject {
  id: string;
  object: 'vector_store.files_batch';
  vector_store_id: string;
  created_at: number;
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed';
  file_counts: FileCounts;
}

/** One piece of a file's text, with its embedding when an embedding model made one. */
export interface NewChunk {
  text: string;
  embedding?: Float32Array;
}

/** How processing a file ended. */
export type FileOutcome =
  | { status: 'completed'; chunks: readonly NewChunk[]; embeddingModel: string | null }
  | { status: 'failed'; error: NonNullable<VectorStoreFileObject['last_error']> }
  | { status: 'cancelled' };

export interface ListQuery {
  limit: number;
  order: 'asc' | 'desc';
  /** An object id: the page starts after it, in the requested order. */
  after?: string;
  /** An object id: the page ends before it. */
  before?: string;
}

export interface FileListQuery extends ListQuery {
  filter?: VectorStoreFileStatus;
  batchId?: string;
}

export interface ObjectPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** A chunk found by a search, with where it ranked in its list (1 = best). */
export interface ChunkHit {
  chunkId: number;
  vectorStoreId: string;
  fileId: string;
  rank: number;
}

/** A chunk's text and whose it is. */
export interface ChunkText {
  chunkId: number;
  vectorStoreId: string;
  fileId: string;
  filename: string;
  attributes: Attributes | null;
  text: string;
}

export interface ChunkEmbedding {
  chunkId: number;
  vectorStoreId: string;
  fileId: string;
  embedding: Float32Array;
}

/** Where a search looks: live files (completed) of these stores, those `fileIds` only when given. */
export interface SearchScope {
  vectorStoreIds: readonly string[];
  fileIds?: readonly { vectorStoreId: string; fileId: string }[];
  owner: Owner;
}

/**
 * Vector stores, their files, file batches and chunks, with full-text search over the chunks.
 * One interface, several backends; test/vector-store-contract.ts runs over each. Every method
 * is scoped to the owner: another owner's store is unknown, and so is everything in it.
 */
export interface VectorStoreStore {
  create(store: NewVectorStore, owner: Owner): Promise<void>;
  get(id: string, owner: Owner): Promise<VectorStoreObject | undefined>;
  /** Sets what is given (`expires_after: null` removes it); undefined when unknown. */
  update(
    id: string,
    change: { name?: string; metadata?: Record<string, string>; expires_after?: ExpiresAfter | null },
    owner: Owner,
  ): Promise<VectorStoreObject | undefined>;
  /** Records use now (Unix seconds): `last_active_at`, and `expires_at` moved by `expires_after`. */
  touch(id: string, now: number, owner: Owner): Promise<void>;
  delete(id: string, owner: Owner): Promise<boolean>;
  list(owner: Owner, query: ListQuery): Promise<ObjectPage<VectorStoreObject>>;

  /**
   * Adds a file (or replaces it, its chunks dropped) as `in_progress`; false when the store is unknown.
   * `filename` is kept for search results.
   */
  addFile(
    file: VectorStoreFileObject,
    filename: string,
    batchId: string | null,
    owner: Owner,
  ): Promise<boolean>;
  /**
   * Records how processing ended, with the chunks of a completed file; a file no longer
   * `in_progress` (cancelled meanwhile, or removed) is left as it is. Returns the file.
   */
  finishFile(
    vectorStoreId: string,
    fileId: string,
    outcome: FileOutcome,
    owner: Owner,
  ): Promise<VectorStoreFileObject | undefined>;
  getFile(vectorStoreId: string, fileId: string, owner: Owner): Promise<VectorStoreFileObject | undefined>;
  updateFile(
    vectorStoreId: string,
    fileId: string,
    attributes: Attributes | null,
    owner: Owner,
  ): Promise<VectorStoreFileObject | undefined>;
  deleteFile(vectorStoreId: string, fileId: string, owner: Owner): Promise<boolean>;
  /** Removes a file from every store of the owner (the file itself was deleted); how many. */
  deleteFileEverywhere(fileId: string, owner: Owner): Promise<number>;
  listFiles(
    vectorStoreId: string,
    owner: Owner,
    query: FileListQuery,
  ): Promise<ObjectPage<VectorStoreFileObject> | undefined>;
  /** A file's chunks in order; undefined when the file is unknown. */
  fileChunks(vectorStoreId: string, fileId: string, owner: Owner): Promise<string[] | undefined>;

  createBatch(
    batch: { id: string; vector_store_id: string; created_at: number },
    owner: Owner,
  ): Promise<boolean>;
  getBatch(vectorStoreId: string, batchId: string, owner: Owner): Promise<FileBatchObject | undefined>;
  /** Marks the batch's files still `in_progress` as `cancelled`, and the batch too unless it finished. */
  cancelBatch(vectorStoreId: string, batchId: string, owner: Owner): Promise<FileBatchObject | undefined>;
  /**
   * Marks `failed` (a `server_error`) the files left `in_progress` by other instances whose
   * lease lapsed: a file is processed within the request that adds it, by the instance that
   * took the request, so a crash or a stop midway would leave it in progress for good. Any
   * chunks written meanwhile go. For every owner; returns how many. The heartbeat calls it.
   */
  recoverInterrupted(): Promise<number>;

  /** Chunks matching any of `terms` (words), best first by the backend's full-text rank. */
  textSearch(scope: SearchScope, terms: readonly string[], limit: number): Promise<ChunkHit[]>;
  /**
   * Every embedded chunk in scope made by `model` (at most `limit`), in pages: a search ranks
   * each page as it comes, and the event loop turns between them.
   */
  embeddings(scope: SearchScope, model: string, limit: number): AsyncIterable<ChunkEmbedding[]>;
  /** The text of chunks by id, with their file's name and attributes. */
  chunkTexts(chunkIds: readonly number[], owner: Owner): Promise<ChunkText[]>;
  /** The attributes of every completed file in the stores: what attribute filters run on. */
  fileAttributes(
    vectorStoreIds: readonly string[],
    owner: Owner,
  ): Promise<Array<{ vectorStoreId: string; fileId: string; attributes: Attributes | null }>>;
}
