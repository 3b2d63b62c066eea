import type { ChatHistoryItem, LlamaChat, LlamaGrammar } from 'node-llama-cpp';
import type { ModelEvent, Sampling } from '../provider.ts';
import { mapStopReason } from './map-stop-reason.ts';
import { TextDeltaChannel } from './text-delta-channel.ts';

/** The Responses API's default temperature, used when a request sets none. */
export const DEFAULT_TEMPERATURE = 1;

export interface ChatGeneration {
  history: ChatHistoryItem[];
  /** Tokens of the rendered prompt: what the sequence evaluates before generating. */
  promptTokens: number;
  /** At least 1, and no more than the sequence has room for after the prompt. */
  maxTokens: number;
  sampling: Sampling;
  grammar: LlamaGrammar | undefined;
}

/**
 * Generates one response on a borrowed chat (its sequence is this request's alone) and
 * yields its text as it comes, then usage and the finish reason. The sequence is cleared
 * first, so every request starts from nothing and the same request gives the same tokens.
 * When `signal` aborts, generation stops within a token and this throws `signal.reason`;
 * when the reader stops early, generation is stopped too. Either way the generator ends
 * only after node-llama-cpp has let go of the sequence, so it can be lent again at once.
 */
export async function* streamChatResponse(
  chat: LlamaChat,
  generation: ChatGeneration,
  signal: AbortSignal,
): AsyncGenerator<ModelEvent, void, undefined> {
  await chat.sequence.clearHistory();
  signal.throwIfAborted();
  const outputBefore = chat.sequence.tokenMeter.usedOutputTokens;
  const stop = new AbortController();
  const forwardAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', forwardAbort, { once: true });
  const channel = new TextDeltaChannel();
  const { temperature, topP, seed } = generation.sampling;
  const response = chat.generateResponse(generation.history, {
    signal: stop.signal,
    maxTokens: generation.maxTokens,
    temperature: temperature ?? DEFAULT_TEMPERATURE,
    ...(topP !== undefined ? { topP } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(generation.grammar ? { grammar: generation.grammar } : {}),
    onTextChunk: (text) => channel.push(text),
  });
  const settled = response.finally(() => channel.close());
  settled.catch(() => undefined); // awaited below; this only keeps an early rejection from being unhandled
  try {
    for await (const delta of channel.deltas()) yield { type: 'text-delta', delta };
    const result = await settled;
    const outputTokens = chat.sequence.tokenMeter.usedOutputTokens - outputBefore;
    yield { type: 'usage', usage: { inputTokens: generation.promptTokens, outputTokens } };
    yield { type: 'finish', reason: mapStopReason(result.metadata.stopReason) };
  } finally {
    signal.removeEventListener('abort', forwardAbort);
    stop.abort();
    await settled.catch(() => undefined);
  }
}
