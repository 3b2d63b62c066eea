import { z } from 'zod';
import { ChatChunkTranslator, randomCallId } from '../chat-completions/chat-chunk-translator.ts';
import { ChatUsage } from '../chat-completions/chat-wire.ts';
import type { ChatPreset } from '../chat-completions/presets.ts';
import { decodeCustomToolInput } from '../http/custom-tool-input.ts';
import { mapChatUsage } from '../chat-completions/map-chat-usage.ts';
import { parseEventJson, truncatedStream, type EventTranslator } from '../http/translate-stream.ts';
import type { SseEvent } from '../http/read-sse.ts';
import { upstreamHttpError } from '../http/upstream-error.ts';
import type { ModelEvent, ModelUsage } from '../provider.ts';

/** A complete tool call in a native chunk: `{name, arguments}`, or OpenAI's `{id, function: {...}}`. */
const RunToolCall = z.looseObject({
  id: z.string().nullish(),
  name: z.string().nullish(),
  arguments: z.unknown().optional(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.unknown().optional() }).nullish(),
});

/** A native streaming chunk: `{"response": "..."}`, with usage on the last one; errors in the v4 envelope. */
const RunChunk = z.looseObject({
  /** Newer models answer `ai/run` in Chat Completions chunks instead. */
  choices: z.array(z.unknown()).nullish(),
  response: z.string().nullish().catch(null),
  tool_calls: z.array(RunToolCall).nullish(),
  usage: ChatUsage.nullish(),
  success: z.boolean().nullish(),
  errors: z.array(z.unknown()).nullish(),
});

/**
 * Workers AI native streaming (`ai/run/{model}` with `stream: true`) as model events. The
 * stream has no finish reason: `data: [DONE]` ends it, and a turn that called tools finishes
 * as `tool-calls`. Tool calls arrive whole, so each is started, filled and ended at once.
 * A model that answers in Chat Completions chunks is read by the chat-completions translator.
 */
export class RunChunkTranslator implements EventTranslator {
  private usage: ModelUsage | undefined;
  private calledTools = false;
  private finished = false;
  private readonly chat: ChatChunkTranslator;
  private chatFormat = false;

  constructor(
    private readonly provider: string,
    preset: ChatPreset,
    private readonly customToolNames: ReadonlySet<string>,
    private readonly newCallId: () => string = randomCallId,
  ) {
    this.chat = new ChatChunkTranslator(provider, preset, customToolNames, newCallId);
  }

  get done(): boolean {
    return this.finished || this.chat.done;
  }

  push(event: SseEvent): ModelEvent[] {
    if (this.chatFormat) return this.chat.push(event);
    if (event.data === '[DONE]') return this.finish();
    const chunk = parseEventJson(this.provider, event.data, RunChunk);
    if (chunk.success === false || (chunk.errors && chunk.errors.length > 0))
      throw upstreamHttpError(this.provider, 502, new Headers(), event.data);
    if (chunk.choices) {
      this.chatFormat = true;
      return this.chat.push(event);
    }
    if (chunk.usage) this.usage = mapChatUsage(chunk.usage);
    const out: ModelEvent[] = [];
    if (chunk.response) out.push({ type: 'text-delta', delta: chunk.response });
    for (const call of chunk.tool_calls ?? []) out.push(...this.toolCall(call));
    return out;
  }

  end(): ModelEvent[] {
    if (this.chatFormat) return this.chat.end();
    throw truncatedStream(this.provider);
  }

  private toolCall(call: z.output<typeof RunToolCall>): ModelEvent[] {
    const name = call.function?.name ?? call.name;
    if (!name) return [];
    const raw = call.function?.arguments ?? call.arguments ?? {};
    const args = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const callId = call.id ?? this.newCallId();
    const custom = this.customToolNames.has(name);
    const delta = custom ? decodeCustomToolInput(args) : args;
    this.calledTools = true;
    return [
      { type: 'tool-call-start', callId, name, kind: custom ? 'custom' : 'function' },
      ...(delta ? [{ type: 'tool-call-delta' as const, callId, delta }] : []),
      { type: 'tool-call-end', callId },
    ];
  }

  private finish(): ModelEvent[] {
    this.finished = true;
    const out: ModelEvent[] = [];
    if (this.usage) out.push({ type: 'usage', usage: this.usage });
    out.push({ type: 'finish', reason: this.calledTools ? 'tool-calls' : 'stop' });
    return out;
  }
}
