import { decodeCustomToolInput } from '../http/custom-tool-input.ts';
import {
  malformedEvent,
  parseJson,
  readWire,
  truncatedStream,
  type EventTranslator,
} from '../http/translate-stream.ts';
import type { SseEvent } from '../http/read-sse.ts';
import type { ModelEvent, ModelUsage } from '../provider.ts';
import type { AnthropicReasoningBlock } from '../../api/anthropic-messages.ts';
import { anthropicStreamError } from './anthropic-stream-error.ts';
import {
  ANTHROPIC_EVENTS,
  AnthropicMessageAnswer,
  isBlockDelta,
  type AnthropicEvent,
  type AnthropicUsage,
} from './anthropic-wire.ts';
import { mapAnthropicStopReason } from './map-stop-reason.ts';
import { encodeThinking } from './thinking-signature.ts';

type Block =
  | { kind: 'text' }
  | { kind: 'tool'; callId: string; custom: boolean; input: string }
  | { kind: 'thinking'; thinking: string; signature: string }
  | { kind: 'other' };

interface Counts {
  input: number;
  output: number;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
}

/**
 * Messages API stream events as model events. Text, tool_use and thinking blocks stream by
 * index; a finished thinking block (text and signature, or redacted data) is kept in the
 * reasoning item's encrypted content so the next turn can send it back. Usage comes from
 * message_start and the cumulative counts of message_delta; message_stop ends the stream.
 */
export class AnthropicEventTranslator implements EventTranslator {
  done = false;
  private readonly blocks = new Map<number, Block>();
  /** The thinking blocks of the reasoning item being written (consecutive blocks share one item). */
  private reasoning: AnthropicReasoningBlock[] = [];
  private readonly counts: Counts = { input: 0, output: 0, cacheRead: undefined, cacheWrite: undefined };
  private stopReason: string | null | undefined;
  /** Which of the request's stop sequences ended the message, when one did. */
  private stopSequence: string | null | undefined;

  constructor(
    private readonly provider: string,
    private readonly customToolNames: ReadonlySet<string>,
  ) {}

  push(event: SseEvent): ModelEvent[] {
    const json = parseJson(this.provider, event.data);
    const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
    if (typeof type !== 'string') throw malformedEvent(this.provider);
    if (!(type in ANTHROPIC_EVENTS)) return []; // new event types are skipped, as Anthropic asks
    const name = type as keyof typeof ANTHROPIC_EVENTS;
    const data =
      name === 'content_block_delta' && isBlockDelta(json as Record<string, unknown>)
        ? json
        : readWire(this.provider, ANTHROPIC_EVENTS[name], json);
    switch (name) {
      case 'message_start':
        this.count((data as AnthropicEvent<'message_start'>).message.usage);
        return [];
      case 'content_block_start':
        return this.start(data as AnthropicEvent<'content_block_start'>);
      case 'content_block_delta':
        return this.delta(data as AnthropicEvent<'content_block_delta'>);
      case 'content_block_stop':
        return this.stop((data as AnthropicEvent<'content_block_stop'>).index);
      case 'message_delta': {
        const delta = data as AnthropicEvent<'message_delta'>;
        this.stopReason = delta.delta.stop_reason ?? this.stopReason;
        this.stopSequence = delta.delta.stop_sequence ?? this.stopSequence;
        this.count(delta.usage);
        return [];
      }
      case 'message_stop':
        return this.finish();
      case 'error':
        throw anthropicStreamError(this.provider, (data as AnthropicEvent<'error'>).error);
      case 'ping':
        return [];
    }
  }

  end(): ModelEvent[] {
    if (this.stopReason == null) throw truncatedStream(this.provider);
    return this.finish();
  }

  /** A whole Message: each content block as its start and stop read, then its stop reason and usage. */
  whole(answer: unknown): ModelEvent[] {
    const message = readWire(this.provider, AnthropicMessageAnswer, answer, 'answer');
    this.count(message.usage);
    const out = message.content.flatMap((block, index) => [
      ...this.start({ index, content_block: block }),
      ...this.stop(index),
    ]);
    this.stopReason = message.stop_reason;
    this.stopSequence = message.stop_sequence;
    return [...out, ...this.end()];
  }

  private count(usage: AnthropicUsage | null | undefined): void {
    if (!usage) return;
    this.counts.input = usage.input_tokens ?? this.counts.input;
    this.counts.output = usage.output_tokens ?? this.counts.output;
    this.counts.cacheRead = usage.cache_read_input_tokens ?? this.counts.cacheRead;
    this.counts.cacheWrite = usage.cache_creation_input_tokens ?? this.counts.cacheWrite;
  }

  private start({ index, content_block: block }: AnthropicEvent<'content_block_start'>): ModelEvent[] {
    if (block.type !== 'thinking' && block.type !== 'redacted_thinking') this.reasoning = [];
    switch (block.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        return block.text ? [{ type: 'text-delta', delta: block.text }] : [];
      case 'thinking':
        this.blocks.set(index, {
          kind: 'thinking',
          thinking: block.thinking ?? '',
          signature: block.signature ?? '',
        });
        return block.thinking ? [{ type: 'reasoning-delta', delta: block.thinking, part: 'content' }] : [];
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'other' });
        this.reasoning.push({ type: 'redacted_thinking', data: block.data ?? '' });
        return [{ type: 'reasoning-encrypted', encryptedContent: encodeThinking(this.reasoning) }];
      case 'tool_use': {
        const callId = block.id ?? `toolu_${index}`;
        const name = block.name ?? '';
        const custom = this.customToolNames.has(name);
        const tool: Block = { kind: 'tool', callId, custom, input: '' };
        this.blocks.set(index, tool);
        const out: ModelEvent[] = [
          { type: 'tool-call-start', callId, name, kind: custom ? 'custom' : 'function' },
        ];
        // Anthropic streams the input as deltas after an empty object; compatible servers may send it whole here.
        const input = block.input;
        if (typeof input === 'object' && input !== null && Object.keys(input).length > 0) {
          const json = JSON.stringify(input);
          if (custom) tool.input = json;
          else out.push({ type: 'tool-call-delta', callId, delta: json });
        }
        return out;
      }
      default:
        this.blocks.set(index, { kind: 'other' });
        return [];
    }
  }

  private delta({ index, delta }: AnthropicEvent<'content_block_delta'>): ModelEvent[] {
    const block = this.blocks.get(index);
    if (!block) return [];
    if (delta.type === 'text_delta' && block.kind === 'text' && delta.text)
      return [{ type: 'text-delta', delta: delta.text }];
    if (delta.type === 'thinking_delta' && block.kind === 'thinking' && delta.thinking) {
      block.thinking += delta.thinking;
      return [{ type: 'reasoning-delta', delta: delta.thinking, part: 'content' }];
    }
    if (delta.type === 'signature_delta' && block.kind === 'thinking')
      block.signature += delta.signature ?? '';
    if (delta.type === 'input_json_delta' && block.kind === 'tool' && delta.partial_json) {
      if (block.custom) block.input += delta.partial_json;
      else return [{ type: 'tool-call-delta', callId: block.callId, delta: delta.partial_json }];
    }
    return [];
  }

  private stop(index: number): ModelEvent[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    if (block?.kind === 'thinking') {
      this.reasoning.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
      return [{ type: 'reasoning-encrypted', encryptedContent: encodeThinking(this.reasoning) }];
    }
    if (block?.kind === 'tool') return this.endTool(block);
    return [];
  }

  private endTool(block: Extract<Block, { kind: 'tool' }>): ModelEvent[] {
    const out: ModelEvent[] = [];
    if (block.custom) {
      const input = decodeCustomToolInput(block.input);
      if (input) out.push({ type: 'tool-call-delta', callId: block.callId, delta: input });
    }
    out.push({ type: 'tool-call-end', callId: block.callId });
    return out;
  }

  private finish(): ModelEvent[] {
    this.done = true;
    const out: ModelEvent[] = [];
    for (const block of this.blocks.values()) if (block.kind === 'tool') out.push(...this.endTool(block));
    this.blocks.clear();
    const { input, output, cacheRead, cacheWrite } = this.counts;
    const usage: ModelUsage = {
      inputTokens: input + (cacheRead ?? 0) + (cacheWrite ?? 0),
      outputTokens: output,
      ...(cacheRead !== undefined ? { cachedInputTokens: cacheRead } : {}),
      ...(cacheWrite !== undefined ? { cacheWriteTokens: cacheWrite } : {}),
    };
    const stopSequence = this.stopReason === 'stop_sequence' ? this.stopSequence : undefined;
    out.push(
      { type: 'usage', usage },
      {
        type: 'finish',
        reason: mapAnthropicStopReason(this.stopReason),
        ...(stopSequence ? { stopSequence } : {}),
      },
    );
    return out;
  }
}
