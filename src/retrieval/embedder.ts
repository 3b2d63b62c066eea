import { badRequest } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { Catalog, StoredKeyProvider } from '../catalog/catalog.ts';
import type { EmbeddingRequest, EmbeddingResult, Provider } from '../providers/provider.ts';

/** Inputs sent to a provider in one call when embedding a file's chunks. */
const CHUNKS_PER_CALL = 64;

type EmbeddingProvider = Provider & Required<Pick<Provider, 'embed'>>;

/**
 * Embeddings for `/v1/embeddings` and for vector stores. A model embeds when its task is Text
 * Embeddings (a configured upstream model) or it runs locally (any GGUF can), and its provider
 * has `embed`. `storeModel` is the model vector stores use; without one they rank by full text.
 */
export class Embedder {
  constructor(
    private readonly catalog: Catalog,
    readonly storeModel: string | undefined,
  ) {}

  /** The model and its provider, or a 404 / 400 naming `param` when it cannot embed. */
  resolve(
    id: string,
    param = 'model',
    storedKeyProvider?: StoredKeyProvider,
  ): { model: CatalogModel; provider: EmbeddingProvider } {
    const { model, provider } = this.catalog.resolve(id, storedKeyProvider);
    if ((model.task !== 'Text Embeddings' && model.proxied) || !provider.embed)
      throw badRequest(
        param,
        `The model '${clip(id)}' does not make embeddings: configure a model with task text-embeddings, or use a local model.`,
        'model_not_embedding',
      );
    return { model, provider: provider as EmbeddingProvider };
  }

  embed(
    request: Omit<EmbeddingRequest, 'model'> & { model: string },
    signal: AbortSignal,
    /** Providers built with the gateway's stored keys, over the catalog's. */
    storedKeyProvider?: StoredKeyProvider,
  ): Promise<EmbeddingResult> {
    const { model, provider } = this.resolve(request.model, 'model', storedKeyProvider);
    return provider.embed({ ...request, model }, signal);
  }

  /** Vectors for chunks of a file (cut to fit the model), with the model's id; undefined without a store model. */
  async embedChunks(
    texts: readonly string[],
    signal: AbortSignal,
  ): Promise<{ model: string; vectors: Float32Array[] } | undefined> {
    if (this.storeModel === undefined) return undefined;
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += CHUNKS_PER_CALL) {
      const input = texts.slice(start, start + CHUNKS_PER_CALL);
      const result = await this.embed({ model: this.storeModel, input, truncate: true }, signal);
      vectors.push(...result.vectors.map((vector) => Float32Array.from(vector)));
    }
    return { model: this.storeModel, vectors };
  }
}
