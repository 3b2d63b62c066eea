import { terminalEventType } from '../../api/stream-events.ts';
import type { z } from 'zod';
import { parseJson, readWire, truncatedStream, type EventTranslator } from '../http/translate-stream.ts';
import { readLogprobs } from '../http/read-logprobs.ts';
import type { SseEvent } from '../http/read-sse.ts';
import type { ModelEvent, NativeItemEvent } from '../provider.ts';
import {
  completeItem,
  isAnnotation,
  nativeItem,
  SUMMARY_SEPARATOR,
  type TrackedItem,
} from './complete-item.ts';
import { mapOpenAiError } from './map-openai-error.ts';
import { mapOpenAiFinishReason } from './map-openai-finish-reason.ts';
import { mapOpenAiUsage } from './map-openai-usage.ts';
import {
  ItemEvent,
  ItemScopedEvent,
  readDeltaEvent,
  readStreamEvent,
  responseEnding,
  TerminalEvent,
  WholeResponse,
  WireError,
  WireToolCall,
  type DeltaEvent,
  type WireItem,
} from './openai-wire.ts';

const UNREAD_EVENTS = new Set(['response.created', 'response.in_progress', 'response.queued']);

/**
 * OpenAI's Responses stream as model events. Deltas pass through as they come; an item's
 * `output_item.done` adds whatever its deltas did not carry (an upstream that skips deltas
 * still loses nothing); items Portico does not run itself pass through as native items with
 * their progress events.
 */
export class OpenAiStreamTranslator implements EventTranslator {
  done = false;
  private readonly items = new Map<string, TrackedItem>();
  /** Native items by output index, for progress events that name only the index. */
  private readonly nativeAt = new Map<number, string>();
  private calledTools = false;
  private emitted = false;

  constructor(private readonly provider: string) {}

  push(sse: SseEvent): ModelEvent[] {
    if (sse.data === '[DONE]') return [];
    // The upstream response's own lifecycle carries nothing Portico reads (it keeps its own
    // response), and its events are the largest: named so, they are passed over unparsed.
    if (sse.event !== undefined && UNREAD_EVENTS.has(sse.event)) return [];
    const event = readStreamEvent(this.provider, parseJson(this.provider, sse.data));
    const out = this.handle(event.type, event);
    if (out.length > 0) this.emitted = true;
    return out;
  }

  end(): ModelEvent[] {
    throw truncatedStream(this.provider);
  }

  /** A whole Response: each output item as its `output_item.done` reads, then how it ended. */
  whole(answer: unknown): ModelEvent[] {
    const response = readWire(this.provider, WholeResponse, responseEnding(answer), 'answer');
    const out = response.output.flatMap((item, index) => this.finished(item, index));
    if (out.length > 0) this.emitted = true;
    // An upstream answer that says `cancelled` was stopped by no one here: for Portico it failed.
    const type = response.status === 'cancelled' ? 'response.failed' : terminalEventType(response.status);
    return [...out, ...this.terminal(type, { response })];
  }

  private handle(type: string, event: Record<string, unknown>): ModelEvent[] {
    switch (type) {
      case 'response.output_item.added': {
        const { item, output_index } = readWire(this.provider, ItemEvent, event, `${type} event`);
        return this.added(item, output_index);
      }
      case 'response.output_item.done': {
        const { item, output_index } = readWire(this.provider, ItemEvent, event, `${type} event`);
        return this.finished(item, output_index);
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        return this.delta(type, readDeltaEvent(this.provider, event, `${type} event`));
      case 'response.output_text.annotation.added': {
        const annotation = (event as { annotation?: unknown }).annotation;
        return isAnnotation(annotation) ? [{ type: 'text-annotation', annotation }] : [];
      }
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        return this.terminal(
          type,
          readWire(
            this.provider,
            TerminalEvent,
            { response: responseEnding(event.response) },
            `${type} event`,
          ),
        );
      case 'error': {
        this.done = true;
        return this.fail(readWire(this.provider, WireError, event, `${type} event`), []);
      }
      default:
        return this.progress(type, event);
    }
  }

  private key(item: WireItem, outputIndex: number | undefined): string {
    return item.id ?? `#${outputIndex ?? this.items.size}`;
  }

  private added(item: WireItem, outputIndex: number | undefined): ModelEvent[] {
    const key = this.key(item, outputIndex);
    switch (item.type) {
      case 'message':
        this.items.set(key, { kind: 'message', text: '', refusal: '' });
        return [];
      case 'reasoning':
        this.items.set(key, { kind: 'reasoning', summary: '', summaryIndex: undefined, content: '' });
        return [];
      case 'function_call':
      case 'custom_tool_call': {
        const call = readWire(this.provider, WireToolCall, item, `${item.type} item`);
        const initial = call.arguments ?? call.input ?? '';
        this.items.set(key, { kind: 'tool', callId: call.call_id, sent: initial });
        this.calledTools = true;
        const kind = item.type === 'custom_tool_call' ? 'custom' : 'function';
        return [
          { type: 'tool-call-start', callId: call.call_id, name: call.name, kind },
          ...(initial ? [{ type: 'tool-call-delta' as const, callId: call.call_id, delta: initial }] : []),
        ];
      }
      default: {
        const native = nativeItem(this.provider, item);
        this.items.set(key, { kind: 'native', id: native.id });
        if (outputIndex !== undefined) this.nativeAt.set(outputIndex, native.id);
        return [{ type: 'native-item-start', item: native }];
      }
    }
  }

  private delta(type: string, event: DeltaEvent): ModelEvent[] {
    const tracked = this.items.get(event.item_id);
    if (type === 'response.output_text.delta' || type === 'response.refusal.delta') {
      if (tracked?.kind !== 'message') return [];
      if (type === 'response.refusal.delta') {
        tracked.refusal += event.delta;
        return [{ type: 'refusal-delta', delta: event.delta }];
      }
      tracked.text += event.delta;
      const logprobs = readLogprobs(event.logprobs);
      return [
        logprobs.length > 0
          ? { type: 'text-delta', delta: event.delta, logprobs }
          : { type: 'text-delta', delta: event.delta },
      ];
    }
    if (type === 'response.reasoning_summary_text.delta' || type === 'response.reasoning_text.delta') {
      if (tracked?.kind !== 'reasoning') return [];
      if (type === 'response.reasoning_text.delta') {
        tracked.content += event.delta;
        return [{ type: 'reasoning-delta', part: 'content', delta: event.delta }];
      }
      const index = event.summary_index ?? tracked.summaryIndex ?? 0;
      const separator =
        tracked.summaryIndex !== undefined && index !== tracked.summaryIndex ? SUMMARY_SEPARATOR : '';
      tracked.summaryIndex = index;
      tracked.summary += separator + event.delta;
      return [{ type: 'reasoning-delta', part: 'summary', delta: separator + event.delta }];
    }
    if (tracked?.kind !== 'tool') return [];
    tracked.sent += event.delta;
    return [{ type: 'tool-call-delta', callId: tracked.callId, delta: event.delta }];
  }

  private finished(item: WireItem, outputIndex: number | undefined): ModelEvent[] {
    const key = this.key(item, outputIndex);
    // An item finished without being announced is announced now, so nothing of it is lost.
    const opened = this.items.has(key) ? [] : this.added(item, outputIndex);
    const tracked = this.items.get(key)!;
    this.items.delete(key);
    return [...opened, ...completeItem(this.provider, item, tracked)];
  }

  /** A progress event of a native item (`response.web_search_call.searching`, ...), passed on as sent. */
  private progress(type: string, event: unknown): ModelEvent[] {
    if (!type.startsWith('response.')) return [];
    const scoped = ItemScopedEvent.safeParse(event);
    if (!scoped.success) return [];
    const record = scoped.data;
    const index = typeof record.output_index === 'number' ? record.output_index : undefined;
    const tracked = record.item_id ? this.items.get(record.item_id) : undefined;
    const itemId =
      tracked?.kind === 'native'
        ? tracked.id
        : index !== undefined && !record.item_id
          ? this.nativeAt.get(index)
          : undefined;
    if (!itemId) return [];
    // The engine numbers events and places them in its own output; the upstream's numbers go.
    const { item_id: _itemId, output_index: _outputIndex, sequence_number: _sequence, ...fields } = record;
    const passed: NativeItemEvent = { ...fields, type: type as NativeItemEvent['type'] };
    return [{ type: 'native-item-event', itemId, event: passed }];
  }

  private terminal(
    type: 'response.completed' | 'response.incomplete' | 'response.failed',
    event: z.output<typeof TerminalEvent>,
  ): ModelEvent[] {
    this.done = true;
    const { usage, incomplete_details, error } = event.response;
    const usageEvents: ModelEvent[] = usage ? [{ type: 'usage', usage: mapOpenAiUsage(usage) }] : [];
    if (type === 'response.failed') {
      return this.fail(error ?? { message: 'The response failed without a reason.' }, usageEvents);
    }
    const status = type === 'response.completed' ? 'completed' : 'incomplete';
    const reason = mapOpenAiFinishReason(status, incomplete_details?.reason, this.calledTools);
    return [...usageEvents, { type: 'finish', reason }];
  }

  /** A failure before anything was passed on is thrown (an HTTP error the client may retry). */
  private fail(error: z.output<typeof WireError>, before: ModelEvent[]): ModelEvent[] {
    const apiError = mapOpenAiError(this.provider, error);
    if (!this.emitted) throw apiError;
    return [...before, { type: 'finish', reason: 'error', error: apiError }];
  }
}
