import type { LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp';
import { badRequest } from '../../api/errors.ts';
import type { EmbeddingRequest, EmbeddingResult } from '../provider.ts';
import { DEFAULT_MAX_CONTEXT_SIZE } from './load-local-model.ts';

/**
 * Embeddings from a loaded GGUF model: one embedding context, made on first use, evaluating
 * one input at a time (its sequence is shared, so calls take turns). Any model can embed; a
 * model trained for it (a BERT-style GGUF) embeds well, a chat model only roughly.
 */
export class LocalEmbedder {
  private context: Promise<LlamaEmbeddingContext> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: LlamaModel,
    private readonly threads: number,
  ) {}

  /** The model's vector size. */
  get dimensions(): number {
    return this.model.embeddingVectorSize;
  }

  embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    if (request.dimensions !== undefined && request.dimensions !== this.dimensions)
      throw badRequest(
        'dimensions',
        `The local model '${request.model.id}' makes ${this.dimensions}-dimensional embeddings and cannot shorten them.`,
      );
    const run = this.queue.then(() => this.embedAll(request, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async embedAll(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const context = await this.embeddingContext();
    const vectors: number[][] = [];
    let inputTokens = 0;
    for (const [index, input] of request.input.entries()) {
      signal.throwIfAborted();
      let tokens = (typeof input === 'string' ? this.model.tokenize(input) : input) as Token[];
      if (tokens.length > this.contextSize) {
        if (!request.truncate)
          throw badRequest(
            `input[${index}]`,
            `The input takes ${tokens.length} tokens; '${request.model.id}' embeds at most ${this.contextSize}.`,
            'context_length_exceeded',
          );
        tokens = tokens.slice(0, this.contextSize);
      }
      if (tokens.some((token) => !Number.isInteger(token) || token < 0 || token >= this.vocabularySize))
        throw badRequest(`input[${index}]`, `A token id is outside the vocabulary of '${request.model.id}'.`);
      inputTokens += tokens.length;
      vectors.push([...(await context.getEmbeddingFor(tokens)).vector]);
    }
    return { vectors, inputTokens };
  }

  /** Token ids run from 0 below this; any other would read past the model's tables. */
  private get vocabularySize(): number {
    const metadata = this.model.fileInfo.metadata as {
      tokenizer?: { ggml?: { tokens?: readonly unknown[] } };
    };
    return metadata.tokenizer?.ggml?.tokens?.length ?? 0;
  }

  private get contextSize(): number {
    return Math.min(this.model.trainContextSize, DEFAULT_MAX_CONTEXT_SIZE);
  }

  private embeddingContext(): Promise<LlamaEmbeddingContext> {
    this.context ??= this.model.createEmbeddingContext({
      contextSize: this.contextSize,
      threads: this.threads,
    });
    return this.context;
  }

  async dispose(): Promise<void> {
    const context = await this.context?.catch(() => undefined);
    await context?.dispose();
  }
}
