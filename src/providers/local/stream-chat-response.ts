import type {
  ChatHistoryItem,
  ChatModelFunctions,
  LLamaChatGenerateResponseOptions,
  LlamaChatResponseChunk,
  LlamaChat,
} from 'node-llama-cpp';
import { randomInt } from 'node:crypto';
import type { ModelEvent, Sampling } from '../provider.ts';
import type { ChatOutput } from './chat-output.ts';
import { ModelEventChannel } from './model-event-channel.ts';

/** The Responses API's default temperature, used when a request sets none. */
export const DEFAULT_TEMPERATURE = 1;

/**
 * A seed for a request that gives none. node-llama-cpp's own default is the current second,
 * which makes every answer begun in one second the same (n choices, concurrent requests).
 */
const randomSeed = (): number => randomInt(2 ** 32 - 1);

export interface ChatGeneration {
  history: ChatHistoryItem[];
  /** Tokens of the rendered prompt: what the sequence evaluates before generating. */
  promptTokens: number;
  /** At least 1, and no more than the sequence has room for after the prompt. */
  maxTokens: number;
  sampling: Sampling;
  output: ChatOutput;
}

/**
 * Generates one response on a borrowed chat (its sequence is this request's alone) and
 * yields its events as they come (text or tool calls, as `generation.output` reads them),
 * then usage and the finish reason. The sequence starts empty (cleared by whoever used it
 * before), so every request starts from nothing and the same request gives the same tokens.
 * When `signal` aborts, generation stops within a token and this throws `signal.reason`;
 * when the reader stops early, generation is stopped too. Either way the generator ends
 * only after node-llama-cpp has let go of the sequence, so it can be lent again at once.
 */
export async function* streamChatResponse(
  chat: LlamaChat,
  generation: ChatGeneration,
  signal: AbortSignal,
): AsyncGenerator<ModelEvent, void, undefined> {
  // Sequences come back cleared (local-provider.ts): clearing takes the context's lock, which a
  // long prompt evaluating on another sequence holds until its last batch.
  if (chat.sequence.nextTokenIndex > 0) await chat.sequence.clearHistory();
  signal.throwIfAborted();
  const outputBefore = chat.sequence.tokenMeter.usedOutputTokens;
  const stop = new AbortController();
  const forwardAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', forwardAbort, { once: true });
  const channel = new ModelEventChannel();
  let reasoningTokens = 0;
  const { temperature, topP, seed, stop: stopAt, presencePenalty, frequencyPenalty } = generation.sampling;
  const penalties = presencePenalty !== undefined || frequencyPenalty !== undefined;
  const { output } = generation;
  const base = {
    signal: stop.signal,
    maxTokens: generation.maxTokens,
    temperature: temperature ?? DEFAULT_TEMPERATURE,
    ...(topP !== undefined ? { topP } : {}),
    seed: seed ?? randomSeed(),
    ...(stopAt?.length ? { customStopTriggers: stopAt } : {}),
    ...(penalties
      ? {
          repeatPenalty: {
            ...(presencePenalty !== undefined ? { presencePenalty } : {}),
            ...(frequencyPenalty !== undefined ? { frequencyPenalty } : {}),
          },
        }
      : {}),
    onTextChunk: (text: string) => channel.push(...output.onText(text)),
    // A reasoning model's thought segments (`<think>...</think>` and the like, as its chat
    // template marks them) are its reasoning: raw reasoning content, counted apart.
    onResponseChunk: (chunk: LlamaChatResponseChunk) => {
      if (chunk.type !== 'segment' || chunk.segmentType !== 'thought') return;
      reasoningTokens += chunk.tokens.length;
      if (chunk.text) channel.push({ type: 'reasoning-delta', part: 'content', delta: chunk.text });
    },
  };
  const offered = output.functions;
  const options: LLamaChatGenerateResponseOptions<ChatModelFunctions> = offered
    ? {
        ...base,
        functions: offered.functions,
        documentFunctionParams: true,
        ...(offered.maxParallelFunctionCalls !== undefined
          ? { maxParallelFunctionCalls: offered.maxParallelFunctionCalls }
          : {}),
        onFunctionCallParamsChunk: (chunk) => channel.push(...output.onFunctionCallParams(chunk)),
      }
    : { ...base, ...(output.grammar ? { grammar: output.grammar } : {}) };
  const response = chat.generateResponse(generation.history, options);
  let generating = true;
  const settled = response.finally(() => {
    generating = false;
    channel.close();
  });
  settled.catch(() => undefined); // awaited below; this only keeps an early rejection from being unhandled
  try {
    yield* channel.events();
    const result = await settled;
    const { events, reason } = output.finish(result);
    yield* events;
    const outputTokens = chat.sequence.tokenMeter.usedOutputTokens - outputBefore;
    yield {
      type: 'usage',
      usage: {
        inputTokens: generation.promptTokens,
        outputTokens,
        ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
      },
    };
    const { metadata } = result;
    const stopSequence =
      metadata.stopReason === 'customStopTrigger'
        ? metadata.customStopTrigger.filter((part) => typeof part === 'string').join('')
        : '';
    yield { type: 'finish', reason, ...(stopSequence ? { stopSequence } : {}) };
  } finally {
    signal.removeEventListener('abort', forwardAbort);
    // Only a generation still running needs stopping: an abort without a reason builds a
    // DOMException and its stack, per request.
    if (generating) stop.abort();
    await settled.catch(() => undefined);
  }
}
