import { badRequest, notFound } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import {
  chunkingStrategy,
  type Attributes,
  type AttributeFilter,
  type ChunkingStrategyParam,
  type RankingOptions,
} from '../api/vector-stores.ts';
import type { Logger } from '../logger.ts';
import type { Owner } from '../store/owner.ts';
import type { Stores } from '../store/stores.ts';
import type { FileBatchObject, FileOutcome, VectorStoreFileObject } from '../store/vector-store-store.ts';
import { matchesFilter } from './attribute-filter.ts';
import { chunkText } from './chunk-text.ts';
import type { Embedder } from './embedder.ts';
import { extractText } from './extract-text.ts';
import { cosine, fuseRankings } from './fuse-rankings.ts';
import { queryTerms, rewriteQuery } from './query-terms.ts';

/** Candidates each ranking contributes before fusion. */
const CANDIDATES = 200;
/** Most chunks whose embeddings one search compares (brute force, in memory). */
export const MAX_EMBEDDED_CHUNKS = 50_000;

/** A file to put in a vector store, as `/files` and `/file_batches` give it. */
export interface FileToAdd {
  file_id: string;
  attributes?: Attributes | null | undefined;
  chunking_strategy?: ChunkingStrategyParam | null | undefined;
}

export interface SearchRequest {
  /** One query or several; all are searched together. */
  queries: readonly string[];
  filters?: AttributeFilter | null | undefined;
  maxResults?: number | null | undefined;
  ranking?: RankingOptions | null | undefined;
  rewriteQuery?: boolean | null | undefined;
}

export interface SearchResult {
  file_id: string;
  filename: string;
  score: number;
  attributes: Attributes | null;
  content: Array<{ type: 'text'; text: string }>;
  vector_store_id: string;
}

export interface VectorStoreServiceDeps {
  stores: Stores;
  embedder: Embedder;
  newId: (prefix: string) => string;
  /** Milliseconds since the epoch. */
  now: () => number;
  logger: Logger;
}

/**
 * What vector stores do besides storing: a file is read, chunked and embedded when it is
 * added (before the call answers), and a search ranks chunks by full text and, with an
 * embedding model, by embedding similarity, fused (see fuse-rankings.ts).
 */
export class VectorStoreService {
  constructor(private readonly deps: VectorStoreServiceDeps) {}

  /** Adds one file and processes it; 404 for an unknown store, 400 naming `param` for an unknown file. */
  async addFile(
    vectorStoreId: string,
    add: FileToAdd,
    owner: Owner,
    signal: AbortSignal,
    param = 'file_id',
  ): Promise<VectorStoreFileObject> {
    const filename = await this.fileName(add.file_id, owner, param);
    const file = this.pending(vectorStoreId, add);
    if (!(await this.deps.stores.vectorStores.addFile(file, filename, null, owner)))
      throw vectorStoreNotFound(vectorStoreId);
    return this.process(file, owner, signal);
  }

  /** Adds every file of a batch (all checked first), then processes them in turn unless the batch is cancelled. */
  async addBatch(
    vectorStoreId: string,
    adds: readonly FileToAdd[],
    params: readonly string[],
    owner: Owner,
    signal: AbortSignal,
  ): Promise<FileBatchObject> {
    const { vectorStores } = this.deps.stores;
    const names = [];
    for (const [index, add] of adds.entries())
      names.push(await this.fileName(add.file_id, owner, params[index]!));
    const batch = { id: this.deps.newId('vsfb'), vector_store_id: vectorStoreId, created_at: this.seconds() };
    if (!(await vectorStores.createBatch(batch, owner))) throw vectorStoreNotFound(vectorStoreId);
    const files = adds.map((add) => this.pending(vectorStoreId, add));
    for (const [index, file] of files.entries())
      await vectorStores.addFile(file, names[index]!, batch.id, owner);
    for (const file of files) await this.process(file, owner, signal);
    return (await vectorStores.getBatch(vectorStoreId, batch.id, owner))!;
  }

  /** Searches the stores (each must be the owner's and not expired); best first. */
  async search(
    vectorStoreIds: readonly string[],
    request: SearchRequest,
    owner: Owner,
    signal: AbortSignal,
  ): Promise<{ searchQuery: string[]; results: SearchResult[] }> {
    const { vectorStores } = this.deps.stores;
    for (const id of vectorStoreIds) {
      const store = await vectorStores.get(id, owner);
      if (!store) throw vectorStoreNotFound(id);
      if (store.status === 'expired')
        throw badRequest(
          'vector_store_id',
          `The vector store '${clip(id)}' has expired.`,
          'vector_store_expired',
        );
      await vectorStores.touch(id, this.seconds(), owner);
    }
    const searchQuery = request.rewriteQuery ? request.queries.map(rewriteQuery) : [...request.queries];
    let fileIds: Array<{ vectorStoreId: string; fileId: string }> | undefined;
    if (request.filters) {
      const filters = request.filters;
      fileIds = (await vectorStores.fileAttributes(vectorStoreIds, owner)).filter((file) =>
        matchesFilter(file.attributes, filters),
      );
      if (fileIds.length === 0) return { searchQuery, results: [] };
    }
    const scope = { vectorStoreIds, owner, ...(fileIds ? { fileIds } : {}) };
    const textHits = await vectorStores.textSearch(scope, queryTerms(searchQuery), CANDIDATES);
    const textRanks = new Map(textHits.map((hit) => [hit.chunkId, hit.rank]));
    const embeddingRanks =
      request.ranking?.ranker === 'none' ? undefined : await this.embeddingRanks(scope, searchQuery, signal);
    const weights = request.ranking?.hybrid_search;
    const scores = fuseRankings(textRanks, embeddingRanks, {
      text: weights?.text_weight ?? 1,
      embedding: weights?.embedding_weight ?? 1,
    });
    const threshold = request.ranking?.score_threshold ?? 0;
    const best = [...scores]
      .filter(([, score]) => score >= threshold)
      .sort(([a, scoreA], [b, scoreB]) => scoreB - scoreA || a - b)
      .slice(0, request.maxResults ?? 10);
    const texts = new Map(
      (
        await vectorStores.chunkTexts(
          best.map(([chunk]) => chunk),
          owner,
        )
      ).map((t) => [t.chunkId, t]),
    );
    const results = best.flatMap(([chunk, score]) => {
      const found = texts.get(chunk);
      if (!found) return [];
      return [
        {
          file_id: found.fileId,
          filename: found.filename,
          score,
          attributes: found.attributes,
          content: [{ type: 'text' as const, text: found.text }],
          vector_store_id: found.vectorStoreId,
        },
      ];
    });
    return { searchQuery, results };
  }

  /** Chunks ranked by cosine similarity to the queries (embedded as one text); undefined without an embedding model. */
  private async embeddingRanks(
    scope: Parameters<Stores['vectorStores']['embeddings']>[0],
    queries: readonly string[],
    signal: AbortSignal,
  ): Promise<Map<number, number> | undefined> {
    const embedded = await this.deps.embedder.embedChunks([queries.join('\n')], signal);
    if (!embedded) return undefined;
    const query = embedded.vectors[0]!;
    const similarities: Array<{ id: number; similarity: number }> = [];
    for await (const page of this.deps.stores.vectorStores.embeddings(
      scope,
      embedded.model,
      MAX_EMBEDDED_CHUNKS,
    ))
      for (const chunk of page)
        if (chunk.embedding.length === query.length)
          similarities.push({ id: chunk.chunkId, similarity: cosine(query, chunk.embedding) });
    const ranked = similarities
      .sort((a, b) => b.similarity - a.similarity || a.id - b.id)
      .slice(0, CANDIDATES);
    return new Map(ranked.map((chunk, index) => [chunk.id, index + 1]));
  }

  private pending(vectorStoreId: string, add: FileToAdd): VectorStoreFileObject {
    return {
      id: add.file_id,
      object: 'vector_store.file',
      vector_store_id: vectorStoreId,
      created_at: this.seconds(),
      status: 'in_progress',
      last_error: null,
      attributes: add.attributes ?? null,
      chunking_strategy: chunkingStrategy(add.chunking_strategy ?? undefined),
      usage_bytes: 0,
    };
  }

  /** Reads, chunks and embeds a file, and records how that ended. */
  private async process(
    file: VectorStoreFileObject,
    owner: Owner,
    signal: AbortSignal,
  ): Promise<VectorStoreFileObject> {
    const outcome = await this.outcome(file, owner, signal);
    const finished = await this.deps.stores.vectorStores.finishFile(
      file.vector_store_id,
      file.id,
      outcome,
      owner,
    );
    return finished ?? { ...file, status: outcome.status };
  }

  private async outcome(
    file: VectorStoreFileObject,
    owner: Owner,
    signal: AbortSignal,
  ): Promise<FileOutcome> {
    const found = await this.deps.stores.files.content(file.id, owner);
    if (!found)
      return {
        status: 'failed',
        error: { code: 'invalid_file', message: 'The file was deleted before it was read.' },
      };
    const extracted = await extractText(found.file.filename, found.content);
    if ('error' in extracted) return { status: 'failed', error: extracted.error };
    const texts = await chunkText(extracted.text, file.chunking_strategy);
    try {
      const embedded = await this.deps.embedder.embedChunks(texts, signal);
      return {
        status: 'completed',
        chunks: texts.map((text, index) => ({
          text,
          ...(embedded ? { embedding: embedded.vectors[index]! } : {}),
        })),
        embeddingModel: embedded?.model ?? null,
      };
    } catch (error) {
      if (signal.aborted) throw error;
      this.deps.logger.warn('vector store file not embedded', { file: file.id, error: String(error) });
      const message = error instanceof Error ? error.message : 'The embedding model failed.';
      return {
        status: 'failed',
        error: { code: 'server_error', message: `Embedding failed: ${clip(message, 300)}` },
      };
    }
  }

  private async fileName(fileId: string, owner: Owner, param: string): Promise<string> {
    const file = await this.deps.stores.files.get(fileId, owner);
    if (!file)
      throw badRequest(
        param,
        `No file with id '${clip(fileId)}': upload it to /v1/files first.`,
        'file_not_found',
      );
    return file.filename;
  }

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }
}

export function vectorStoreNotFound(id: string) {
  return notFound(
    `No vector store found with id '${clip(id)}'.`,
    'vector_store_not_found',
    'vector_store_id',
  );
}
