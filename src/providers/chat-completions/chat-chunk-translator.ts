import { randomUUID } from 'node:crypto';
import { ApiError } from '../../api/errors.ts';
import { readLogprobs } from '../http/read-logprobs.ts';
import type { SseEvent } from '../http/read-sse.ts';
import { upstreamHttpError } from '../http/upstream-error.ts';
import type { ModelEvent, ModelUsage } from '../provider.ts';
import { ChatToolCalls } from './chat-tool-calls.ts';
import { ChatChunk, plainDeltaChunk } from './chat-wire.ts';
import { mapChatUsage } from './map-chat-usage.ts';
import { mapChatFinishReason } from './map-finish-reason.ts';
import type { ChatPreset } from './presets.ts';
import {
  malformedEvent,
  parseJson,
  truncatedStream,
  type EventTranslator,
} from '../http/translate-stream.ts';

export const randomCallId = (): string => `call_${randomUUID().replaceAll('-', '')}`;

/** A failure a server reported inside a 200 stream: `{error: {...}}`, or vLLM's `{object: 'error', ...}`. */
function streamedError(provider: string, chunk: ChatChunk): ApiError {
  const error = chunk.error !== undefined ? chunk.error : { message: chunk.message, code: chunk.code };
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const status = typeof code === 'number' && code >= 400 && code < 600 ? code : 502;
  return upstreamHttpError(provider, status, new Headers(), JSON.stringify({ error }));
}

/**
 * A chat completion as the chunk that would have streamed it whole: a choice's `message` holds
 * what a chunk's `delta` does (its tool calls without `index`: they are read by position).
 */
function messagesAsDeltas(answer: unknown): unknown {
  const choices = (answer as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return answer;
  return {
    ...(answer as object),
    choices: choices.map((choice: unknown) =>
      typeof choice === 'object' && choice !== null && 'message' in choice
        ? { ...choice, delta: (choice as { message: unknown }).message }
        : choice,
    ),
  };
}

/**
 * Chat Completions stream chunks as model events: content, refusal and reasoning deltas, tool
 * calls by index, the usage chunk that follows the finish reason, then `[DONE]`. The stream is
 * finished at the usage after the finish reason (or at the finish reason when the preset asks
 * for no usage), or at `[DONE]`; a stream that ends after a finish reason still finishes, one
 * that ends before it was cut.
 */
export class ChatChunkTranslator implements EventTranslator {
  done = false;
  private finishReason: string | undefined;
  /** Which stop string ended the answer, where the server says (vLLM's `stop_reason`). */
  private stopSequence: string | undefined;
  private usage: ModelUsage | undefined;
  private readonly calls: ChatToolCalls;

  constructor(
    private readonly provider: string,
    private readonly preset: ChatPreset,
    customToolNames: ReadonlySet<string>,
    newCallId: () => string = randomCallId,
  ) {
    this.calls = new ChatToolCalls(customToolNames, newCallId);
  }

  push(event: SseEvent): ModelEvent[] {
    if (event.data === '[DONE]') return this.finish();
    const json = parseJson(this.provider, event.data);
    return this.take(plainDeltaChunk(json) ?? this.read(json, 'a malformed stream event'));
  }

  /** A whole chat completion: each choice's `message` read as one chunk's `delta`, then the finish. */
  whole(answer: unknown): ModelEvent[] {
    const out = this.take(this.read(messagesAsDeltas(answer), 'a malformed answer'));
    return this.done ? out : [...out, ...this.end()];
  }

  private read(json: unknown, what: string): ChatChunk {
    const chunk = ChatChunk.safeParse(json);
    if (!chunk.success) throw malformedEvent(this.provider, what);
    return chunk.data;
  }

  private take(chunk: ChatChunk): ModelEvent[] {
    if (chunk.error != null || chunk.object === 'error') throw streamedError(this.provider, chunk);
    const usage = chunk.usage ?? chunk.x_groq?.usage;
    if (usage) this.usage = mapChatUsage(usage);

    const out: ModelEvent[] = [];
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    const delta = choice?.delta;
    if (delta) {
      const reasoning = this.preset.reasoningField
        ? delta[this.preset.reasoningField]
        : delta.reasoning_content || delta.reasoning;
      if (reasoning) out.push({ type: 'reasoning-delta', delta: reasoning, part: 'content' });
      if (delta.content) {
        const logprobs = readLogprobs(choice?.logprobs?.content);
        out.push(
          logprobs.length > 0
            ? { type: 'text-delta', delta: delta.content, logprobs }
            : { type: 'text-delta', delta: delta.content },
        );
      }
      if (delta.refusal) out.push({ type: 'refusal-delta', delta: delta.refusal });
      if (delta.tool_calls) out.push(...this.calls.push(delta.tool_calls));
    }
    if (choice?.finish_reason) {
      out.push(...this.calls.closeAll());
      this.finishReason = choice.finish_reason;
      if (typeof choice.stop_reason === 'string' && choice.stop_reason)
        this.stopSequence = choice.stop_reason;
    }
    // Usage is the last thing a server sends after the finish reason: stop there rather than
    // wait on a server that is slow to send `[DONE]` or close.
    if (this.finishReason !== undefined && (usage || !this.preset.supportsStreamUsage))
      return [...out, ...this.finish()];
    return out;
  }

  end(): ModelEvent[] {
    if (this.finishReason === undefined) throw truncatedStream(this.provider);
    return this.finish();
  }

  private finish(): ModelEvent[] {
    this.done = true;
    const out = this.calls.closeAll();
    if (this.usage) out.push({ type: 'usage', usage: this.usage });
    const reason = mapChatFinishReason(this.finishReason, this.calls.called);
    if (reason === 'error') {
      const error = new ApiError({
        status: 502,
        type: 'upstream_error',
        code: 'upstream_error',
        message: `${this.provider} upstream stopped with an error`,
        retryable: true,
      });
      out.push({ type: 'finish', reason, error });
    } else if (reason === 'stop' && this.stopSequence)
      out.push({ type: 'finish', reason, stopSequence: this.stopSequence });
    else out.push({ type: 'finish', reason });
    return out;
  }
}
