import type { ChatWrapper, Llama, LlamaChat, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { ApiError } from '../../api/errors.ts';
import { fairBatchStrategy } from './fair-batch-strategy.ts';
import { LeasePool } from './lease-pool.ts';
import { LocalEmbedder } from './local-embedder.ts';

/**
 * Tokens per llama.cpp decode. A request beside a long prompt waits about one batch per step,
 * so batches are kept small (node-llama-cpp's default is 512): here, a 2-token answer beside a
 * 922-token prompt came after 0.2 s instead of 2.7 s, and the prompt took no longer.
 */
export const BATCH_TOKENS = 128;

/** Per-sequence context size when none is configured: the trained size, up to this. */
export const DEFAULT_MAX_CONTEXT_SIZE = 8192;

export interface LocalModelSettings {
  /** Requests one model serves at once; more wait in a FIFO queue. */
  sequences: number;
  /** Tokens per sequence; default the trained context size, capped to fit in memory. */
  contextSize: number | undefined;
  threads: number;
  /** Replaces the chat wrapper node-llama-cpp would resolve for the file. */
  chatWrapper: ChatWrapper | undefined;
}

/** A model file loaded once, with its context and the chats (one per sequence) requests borrow. */
export interface LocalModel {
  readonly path: string;
  readonly model: LlamaModel;
  readonly chatWrapper: ChatWrapper;
  /** Tokens one sequence holds: prompt and output together. */
  readonly contextSize: number;
  readonly chats: LeasePool<LlamaChat>;
  /** Embeddings from the same weights, in a context of their own made on first use. */
  readonly embedder: LocalEmbedder;
  dispose(): Promise<void>;
}

/**
 * Loads a GGUF file, resolves its chat wrapper (unless one is given) from the file's own Jinja
 * template (or, when it has none, from its name, BOS token and architecture, falling back to
 * GeneralChatWrapper), and creates one context with `sequences` sequences.
 */
export async function loadLocalModel(
  llama: Llama,
  path: string,
  settings: LocalModelSettings,
): Promise<LocalModel> {
  const { LlamaChat, resolveChatWrapper } = await import('node-llama-cpp');
  const model = await llama.loadModel({ modelPath: path });
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: settings.sequences,
      contextSize: settings.contextSize ?? {
        max: Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT_SIZE),
      },
      threads: settings.threads,
      batchSize: BATCH_TOKENS,
      batching: {
        itemPrioritizationStrategy: fairBatchStrategy,
        // node-llama-cpp decodes at once only when every sequence has a token queued, and
        // otherwise on the next turn of the event loop, behind the work the last token set off
        // (its events, its SSE write). With one request generating, nothing else can join the
        // batch: decode at once, so that work runs while the next token is computed.
        dispatchSchedule: (dispatch) => (chats.lent <= 1 ? dispatch() : setImmediate(dispatch)),
      },
    });
  } catch (error) {
    await model.dispose();
    throw error;
  }
  const chatWrapper = settings.chatWrapper ?? resolveChatWrapper(model, { warningLogs: false });
  // The decode schedule above reads it, only while generating: after it is made.
  const chats = new LeasePool(
    Array.from(
      { length: settings.sequences },
      () => new LlamaChat({ contextSequence: context.getSequence(), chatWrapper }),
    ),
  );
  const embedder = new LocalEmbedder(model, settings.threads);
  return {
    path,
    model,
    chatWrapper,
    contextSize: context.contextSize,
    chats,
    embedder,
    async dispose() {
      await embedder.dispose();
      chats.close(
        new ApiError({
          status: 503,
          type: 'server_error',
          code: 'model_unloaded',
          message: 'The local model was unloaded while the request waited for it.',
        }),
      );
      await context.dispose();
      await model.dispose();
    },
  };
}
