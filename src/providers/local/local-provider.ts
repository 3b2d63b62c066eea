import type { ChatHistoryItem, ChatWrapper, LlamaGpuType } from 'node-llama-cpp';
import { ApiError, serverError } from '../../api/errors.ts';
import type { CatalogModel } from '../../catalog/catalog-model.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import type {
  EmbeddingRequest,
  EmbeddingResult,
  ModelEvent,
  Provider,
  Turn,
  Unsupported,
} from '../provider.ts';
import { createChatOutput } from './create-chat-output.ts';
import { addSystemText, forcedCallInstructions } from './forced-call-prompt.ts';
import { offeredFunctions } from './function-calling-output.ts';
import { loadLocalModel, type LocalModel } from './load-local-model.ts';
import { localUnsupported } from './local-unsupported.ts';
import { newCallId } from './new-call-id.ts';
import { planOutput, type OutputPlan } from './plan-output.ts';
import { raceAbort } from './race-abort.ts';
import { renderPrompt } from './render-prompt.ts';
import { startLlama, type LlamaRuntime } from './start-llama.ts';
import { streamChatResponse } from './stream-chat-response.ts';
import { turnToChatHistory } from './turn-to-chat-history.ts';

export interface LocalProviderOptions {
  /** llama.cpp threads; default one less than the cores (at least 1), see default-thread-count.ts. */
  threads?: number;
  /** Requests each model serves at once (its context's sequences); more wait, the least costly first (lease-pool.ts). Default 2. */
  parallelSequences?: number;
  /** Tokens per sequence (prompt and output); default the trained context size, up to 8192. */
  contextSize?: number;
  /** GPU offloading is opt-in: `'auto'` or a backend (`'cuda'`, `'vulkan'`, `'metal'`). Default CPU only. */
  gpu?: 'auto' | LlamaGpuType;
  /**
   * The chat wrapper (prompt template and function-call syntax) for a model file, overriding
   * the one node-llama-cpp resolves from the file; undefined keeps the resolved one.
   */
  chatWrapper?: (modelPath: string) => ChatWrapper | undefined;
  logger?: Logger;
}

/** A turn made ready for a model: what to generate and the prompt that asks for it. */
interface PreparedTurn {
  plan: OutputPlan;
  history: ChatHistoryItem[];
  promptTokens: number;
}

const DEFAULT_PARALLEL_SEQUENCES = 2;

/**
 * GGUF models run in-process with node-llama-cpp. Nothing loads until a model's first
 * request; each file is then loaded once (concurrent first requests share the load) and
 * serves `parallelSequences` requests at a time from one context.
 */
export class LocalProvider implements Provider {
  private readonly logger: Logger;
  private readonly sequences: number;
  private runtime: Promise<LlamaRuntime> | undefined;
  private readonly models = new Map<string, Promise<LocalModel>>();
  private closed = false;

  constructor(private readonly options: LocalProviderOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.sequences = Math.max(1, Math.floor(options.parallelSequences ?? DEFAULT_PARALLEL_SEQUENCES));
  }

  unsupported(turn: Turn): Unsupported[] {
    return localUnsupported(turn);
  }

  async *generate(turn: Turn, signal: AbortSignal): AsyncGenerator<ModelEvent, void, undefined> {
    try {
      const local = await this.model(turn.model, signal);
      const { plan, history, promptTokens } = this.prepare(turn, local);
      const room = local.contextSize - promptTokens;
      if (room <= 0) throw contextLengthExceeded(turn.model.id, promptTokens, local.contextSize);
      const maxTokens = Math.min(turn.sampling.maxOutputTokens ?? room, room);
      if (maxTokens <= 0) {
        yield { type: 'usage', usage: { inputTokens: promptTokens, outputTokens: 0 } };
        yield { type: 'finish', reason: 'length' };
        return;
      }
      const { llama } = await this.llama();
      const output = await createChatOutput(llama, plan, newCallId);
      // A sequence is held for the prompt's evaluation and the answer's tokens: that is the request's cost.
      const chat = await local.chats.acquire(signal, promptTokens + maxTokens);
      try {
        const generation = { history, promptTokens, maxTokens, sampling: turn.sampling, output };
        yield* streamChatResponse(chat, generation, signal);
      } finally {
        // The sequence is cleared after the answer, not before the next one: the clear waits
        // for the context's lock, and this way only the sequence's next borrower waits for it.
        void chat.sequence
          .clearHistory()
          .catch((error: unknown) => this.logger.warn('local sequence not cleared', { error: String(error) }))
          .finally(() => local.chats.release(chat));
      }
    } catch (error) {
      throw this.failure(error, turn.model, signal);
    }
  }

  async countInputTokens(turn: Turn, signal: AbortSignal): Promise<number> {
    try {
      return this.prepare(turn, await this.model(turn.model, signal)).promptTokens;
    } catch (error) {
      throw this.failure(error, turn.model, signal);
    }
  }

  async embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    try {
      return await (await this.model(request.model, signal)).embedder.embed(request, signal);
    } catch (error) {
      throw this.failure(error, request.model, signal);
    }
  }

  /**
   * Plans the output (refusing what local models cannot enforce) and builds the prompt: the
   * history, the tools the model must choose from when a call is forced, or the functions
   * its chat template documents when it may call one.
   */
  private prepare(turn: Turn, local: LocalModel): PreparedTurn {
    const warnings: string[] = [];
    const plan = planOutput(turn, warnings);
    const conversion = turnToChatHistory(turn);
    const history = conversion.history;
    warnings.push(...conversion.warnings);
    for (const warning of warnings) this.logger.warn(warning, { model: turn.model.id });
    if (plan.kind === 'forced') addSystemText(history, forcedCallInstructions(plan.tools, plan.parallel));
    const functions = plan.kind === 'auto' ? offeredFunctions(plan.tools) : undefined;
    const promptTokens = renderPrompt(local.chatWrapper, local.model.tokenizer, history, functions).length;
    return { plan, history, promptTokens };
  }

  async close(): Promise<void> {
    this.closed = true;
    const loads = [...this.models.values()];
    this.models.clear();
    for (const load of await Promise.allSettled(loads))
      if (load.status === 'fulfilled') await load.value.dispose();
    const runtime = await this.runtime?.catch(() => undefined);
    this.runtime = undefined;
    await runtime?.llama.dispose();
  }

  private llama(): Promise<LlamaRuntime> {
    if (!this.runtime) {
      const starting = startLlama(this.options.gpu ?? false, this.options.threads, this.logger);
      // A failed start is not kept: the next request tries again.
      starting.catch(() => {
        if (this.runtime === starting) this.runtime = undefined;
      });
      this.runtime = starting;
    }
    return this.runtime;
  }

  /** The loaded model behind a catalog entry, loading it on first use. */
  private model(model: CatalogModel, signal: AbortSignal): Promise<LocalModel> {
    if (this.closed) return Promise.reject(closedError());
    let loading = this.models.get(model.upstreamModel);
    if (!loading) {
      const started = this.load(model);
      started.catch(() => {
        if (this.models.get(model.upstreamModel) === started) this.models.delete(model.upstreamModel);
      });
      this.models.set(model.upstreamModel, started);
      loading = started;
    }
    return raceAbort(loading, signal);
  }

  private async load(model: CatalogModel): Promise<LocalModel> {
    const startedAt = performance.now();
    try {
      const { llama, threads } = await this.llama();
      const local = await loadLocalModel(llama, model.upstreamModel, {
        sequences: this.sequences,
        contextSize: this.options.contextSize,
        threads,
        chatWrapper: this.options.chatWrapper?.(model.upstreamModel),
      });
      this.logger.info('local model loaded', {
        model: model.id,
        chatWrapper: local.chatWrapper.wrapperName,
        contextSize: local.contextSize,
        sequences: this.sequences,
        threads,
        gpu: llama.gpu,
        gpuLayers: local.model.gpuLayers,
        ms: Math.round(performance.now() - startedAt),
      });
      return local;
    } catch (error) {
      this.logger.error('local model failed to load', { model: model.id, error: describe(error) });
      throw new ApiError({
        status: 500,
        type: 'server_error',
        code: 'model_load_failed',
        message: `The local model '${model.id}' could not be loaded.`,
      });
    }
  }

  /** Aborts stay aborts and ApiErrors stay as they are; anything else is logged and hidden. */
  private failure(error: unknown, model: CatalogModel, signal: AbortSignal): unknown {
    if (signal.aborted || error instanceof ApiError) return error;
    this.logger.error('local model failed', { model: model.id, error: describe(error) });
    return serverError();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function closedError(): ApiError {
  return new ApiError({
    status: 503,
    type: 'server_error',
    code: 'provider_closed',
    message: 'The local model provider is shutting down.',
  });
}

function contextLengthExceeded(model: string, promptTokens: number, contextSize: number): ApiError {
  return new ApiError({
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param: 'input',
    message: `The input takes ${promptTokens} tokens, which leaves no room for output in the ${contextSize}-token context of '${model}'.`,
  });
}
