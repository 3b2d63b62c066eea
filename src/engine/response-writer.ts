import { ApiError } from '../api/errors.ts';
import { LIMITS } from '../api/limits.ts';
import type {
  OutputCustomToolCall,
  OutputFunctionCall,
  OutputItem,
  ResponseObject,
} from '../api/response.ts';
import {
  NATIVE_ITEM_EVENT_TYPES,
  type ResponseStreamEvent,
  type ResponseStreamEventBody,
} from '../api/stream-events.ts';
import type { ModelEvent, NativeItemEvent, TokenLogprob } from '../providers/provider.ts';
import { withFields } from '../with-fields.ts';
import { accumulate } from './accumulate.ts';
import { cloneJson } from './clone-json.ts';
import type { IdGenerator } from './ids.ts';

type Open =
  | {
      kind: 'message';
      index: number;
      id: string;
      part?: { index: number; type: 'output_text' | 'refusal' } | undefined;
      /** The provider finished it without saying its phase: it closes once what follows is known. */
      ended?: boolean;
    }
  | {
      kind: 'reasoning';
      index: number;
      id: string;
      part?: { index: number; type: 'summary' | 'content' } | undefined;
    }
  | { kind: 'tool'; index: number; id: string; callId: string; name: string; custom: boolean }
  | { kind: 'native'; index: number; id: string };

const nativeEventTypes = new Set<string>(NATIVE_ITEM_EVENT_TYPES);

function outputTooLarge(): ApiError {
  return new ApiError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_answer_too_large',
    message: `The model's output passed ${LIMITS.outputChars.toLocaleString('en-US')} characters: Portico stopped it.`,
    // The same request would write as much again.
    retryable: false,
  });
}

/**
 * Turns normalized model events into the exact Responses item lifecycle: every item is
 * announced before its deltas and closed exactly once, in output order. It numbers events and
 * folds each into `snapshot`, which it reads back to close items with their full content.
 */
export class ResponseWriter {
  snapshot: ResponseObject;
  private sequence = 0;
  /** Characters the model wrote into the response: bounded by `LIMITS.outputChars`. */
  private written = 0;
  private open: Open[] = [];
  private readonly out: ResponseStreamEvent[] = [];
  /** Encrypted reasoning the client did not ask for, by output index: stored, never shown. */
  private readonly hidden = new Map<number, string>();
  /** Whether `include` asked for `reasoning.encrypted_content`. */
  showEncrypted = false;

  /** `firstSequence` continues a stream that was begun elsewhere (a queued background response). */
  constructor(
    initial: ResponseObject,
    private readonly newId: IdGenerator,
    firstSequence = 0,
  ) {
    this.snapshot = initial;
    this.sequence = firstSequence;
  }

  /**
   * A writer that carries on a stream from its events so far (a background run its instance
   * did not finish): the snapshot folded from them, its items and parts open as they were left,
   * so that it closes them as it closes its own.
   */
  static continuing(
    events: readonly ResponseStreamEvent[],
    stored: ResponseObject,
    newId: IdGenerator,
  ): ResponseWriter {
    let snapshot: ResponseObject | undefined;
    for (const event of events) snapshot = accumulate(snapshot, event);
    const writer = new ResponseWriter(snapshot ?? stored, newId, (events.at(-1)?.sequence_number ?? -1) + 1);
    for (const event of events) writer.reopen(event);
    return writer;
  }

  /** Emits a lifecycle event carrying a copy of the current snapshot with `patch` applied; returns that copy. */
  lifecycle(
    type:
      | 'response.created'
      | 'response.queued'
      | 'response.in_progress'
      | 'response.completed'
      | 'response.incomplete'
      | 'response.failed',
    patch: Partial<ResponseObject> = {},
  ): ResponseObject {
    // The keys `patch` leaves out keep the snapshot's values.
    const response = withFields(this.snapshot, patch) as ResponseObject;
    this.emit({ type, response });
    return response;
  }

  /** Applies one model event; returns the stream events it produced (drained on each call). */
  write(event: ModelEvent): ResponseStreamEvent[] {
    if ('delta' in event && (this.written += event.delta.length) > LIMITS.outputChars) throw outputTooLarge();
    switch (event.type) {
      case 'text-delta':
        this.messageDelta('output_text', event.delta, event.logprobs);
        break;
      case 'refusal-delta':
        this.messageDelta('refusal', event.delta);
        break;
      case 'text-annotation':
        this.annotate(event.annotation);
        break;
      case 'item-end': {
        const open = this.open.at(-1);
        if (open?.kind === 'reasoning' || (open?.kind === 'message' && event.phase))
          this.close(open, 'completed', event.phase);
        else if (open?.kind === 'message' && !open.ended) {
          this.closePart(open);
          open.ended = true;
        }
        break;
      }
      case 'reasoning-delta':
        this.reasoningDelta(event.part, event.delta);
        break;
      case 'reasoning-encrypted': {
        const open = this.current('reasoning') ?? this.openReasoning();
        if (this.showEncrypted)
          this.item<{ encrypted_content?: string | null }>(open.index).encrypted_content =
            event.encryptedContent;
        else this.hidden.set(open.index, event.encryptedContent);
        break;
      }
      case 'tool-call-start':
        this.openToolCall(event.callId, event.name, event.kind === 'custom', event.namespace);
        break;
      case 'tool-call-delta': {
        const open = this.toolCall(event.callId);
        if (!open) break;
        this.emit(
          open.custom
            ? {
                type: 'response.custom_tool_call_input.delta',
                item_id: open.id,
                output_index: open.index,
                delta: event.delta,
              }
            : {
                type: 'response.function_call_arguments.delta',
                item_id: open.id,
                output_index: open.index,
                delta: event.delta,
              },
        );
        break;
      }
      case 'tool-call-end': {
        const open = this.toolCall(event.callId);
        if (open) this.close(open);
        break;
      }
      case 'native-item-start':
        this.openNative(event.item);
        break;
      case 'native-item-event':
        this.nativeEvent(event.itemId, event.event);
        break;
      case 'native-item': {
        const open =
          this.open.find((o) => o.kind === 'native' && o.id === event.item.id) ?? this.openNative(event.item);
        this.snapshot.output[open.index] = cloneJson(event.item);
        this.close(open);
        break;
      }
      case 'usage':
      case 'finish':
        break;
    }
    return this.drain();
  }

  /**
   * Closes every open item: `status` is `completed`, or `incomplete` when generation stopped
   * early. A message still open is the answer: its phase is `final_answer`.
   */
  closeAll(status: 'completed' | 'incomplete'): ResponseStreamEvent[] {
    for (const open of [...this.open]) this.close(open, status, 'final_answer');
    return this.drain();
  }

  /** The response as Portico stores it: reasoning keeps the encrypted content it needs for later turns. */
  recordable(response: ResponseObject): ResponseObject {
    if (this.hidden.size === 0) return response;
    const output = response.output.map((item, index) => {
      const encrypted = this.hidden.get(index);
      return encrypted === undefined ? item : { ...item, encrypted_content: encrypted };
    });
    return { ...response, output };
  }

  drain(): ResponseStreamEvent[] {
    return this.out.splice(0);
  }

  /** `body` is always a fresh object: it becomes the event, numbered in place rather than copied. */
  private emit(body: ResponseStreamEventBody): void {
    const event = body as ResponseStreamEvent;
    event.sequence_number = this.sequence++;
    this.snapshot = accumulate(this.snapshot, event);
    this.out.push(event);
  }

  private item<T>(index: number): T {
    return this.snapshot.output[index] as T;
  }

  private current<K extends Open['kind']>(kind: K): Extract<Open, { kind: K }> | undefined {
    const last = this.open.at(-1);
    if (last?.kind === 'message' && last.ended) return undefined;
    return last?.kind === kind ? (last as Extract<Open, { kind: K }>) : undefined;
  }

  private toolCall(callId: string): Extract<Open, { kind: 'tool' }> | undefined {
    return this.open.find(
      (o): o is Extract<Open, { kind: 'tool' }> => o.kind === 'tool' && o.callId === callId,
    );
  }

  /**
   * Starts a new item at the next output index, closing whatever cannot stay open beside it. A
   * message that more output follows is commentary, not the final answer.
   */
  private add<T extends Open>(open: T, item: OutputItem, keepOpen: (o: Open) => boolean = () => false): T {
    for (const other of [...this.open]) if (!keepOpen(other)) this.close(other, 'completed', 'commentary');
    this.open.push(open);
    this.emit({ type: 'response.output_item.added', output_index: open.index, item });
    return open;
  }

  private messageDelta(type: 'output_text' | 'refusal', delta: string, logprobs: TokenLogprob[] = []): void {
    let open = this.current('message');
    if (!open) {
      const id = this.newId('msg');
      open = this.add(
        { kind: 'message', index: this.snapshot.output.length, id },
        { type: 'message', id, role: 'assistant', status: 'in_progress', content: [] },
      );
    }
    if (open.part?.type !== type) {
      if (open.part) this.closePart(open);
      const index = this.item<{ content: unknown[] }>(open.index).content.length;
      open.part = { index, type };
      const part =
        type === 'output_text' ? { type, text: '', annotations: [], logprobs: [] } : { type, refusal: '' };
      this.emit({
        type: 'response.content_part.added',
        item_id: open.id,
        output_index: open.index,
        content_index: index,
        part,
      });
    }
    // Written out rather than spread from a shared `at`: this runs once per delta.
    const { id: item_id, index: output_index } = open;
    const content_index = open.part.index;
    this.emit(
      type === 'output_text'
        ? { type: 'response.output_text.delta', item_id, output_index, content_index, delta, logprobs }
        : { type: 'response.refusal.delta', item_id, output_index, content_index, delta },
    );
  }

  /** Annotations belong to an output_text part: one is opened (empty) when none is. */
  private annotate(annotation: { type: string; [field: string]: unknown }): void {
    if (this.current('message')?.part?.type !== 'output_text') this.messageDelta('output_text', '');
    const open = this.current('message')!;
    const part = open.part!;
    const content = this.item<{ content: Array<{ annotations?: unknown[] }> }>(open.index).content[
      part.index
    ]!;
    this.emit({
      type: 'response.output_text.annotation.added',
      item_id: open.id,
      output_index: open.index,
      content_index: part.index,
      annotation_index: content.annotations?.length ?? 0,
      annotation,
    });
  }

  private openReasoning(): Extract<Open, { kind: 'reasoning' }> {
    const id = this.newId('rs');
    return this.add(
      { kind: 'reasoning', index: this.snapshot.output.length, id },
      { type: 'reasoning', id, summary: [] },
    );
  }

  private reasoningDelta(type: 'summary' | 'content', delta: string): void {
    const open = this.current('reasoning') ?? this.openReasoning();
    if (open.part?.type !== type) {
      if (open.part) this.closePart(open);
      const item = this.item<{ summary: unknown[]; content?: unknown[] }>(open.index);
      const index = type === 'summary' ? item.summary.length : (item.content?.length ?? 0);
      open.part = { index, type };
      const at = { item_id: open.id, output_index: open.index };
      this.emit(
        type === 'summary'
          ? {
              type: 'response.reasoning_summary_part.added',
              ...at,
              summary_index: index,
              part: { type: 'summary_text', text: '' },
            }
          : {
              type: 'response.content_part.added',
              ...at,
              content_index: index,
              part: { type: 'reasoning_text', text: '' },
            },
      );
    }
    const at = { item_id: open.id, output_index: open.index };
    this.emit(
      type === 'summary'
        ? { type: 'response.reasoning_summary_text.delta', ...at, summary_index: open.part.index, delta }
        : { type: 'response.reasoning_text.delta', ...at, content_index: open.part.index, delta },
    );
  }

  private openToolCall(callId: string, name: string, custom: boolean, namespace: string | undefined): void {
    const id = this.newId(custom ? 'ctc' : 'fc');
    const index = this.snapshot.output.length;
    const within = namespace !== undefined ? { namespace } : {};
    const item: OutputItem = custom
      ? { type: 'custom_tool_call', id, call_id: callId, ...within, name, input: '' }
      : { type: 'function_call', id, call_id: callId, ...within, name, arguments: '', status: 'in_progress' };
    // Parallel tool calls may stream side by side; anything else closes first.
    this.add({ kind: 'tool', index, id, callId, name, custom }, item, (o) => o.kind === 'tool');
  }

  private openNative(item: OutputItem): Extract<Open, { kind: 'native' }> {
    return this.add({ kind: 'native', index: this.snapshot.output.length, id: item.id }, cloneJson(item));
  }

  private nativeEvent(itemId: string, event: NativeItemEvent): void {
    const open = this.open.find((o) => o.kind === 'native' && o.id === itemId);
    if (!open || !nativeEventTypes.has(event.type)) return; // never emit an event for an unannounced item, nor an invented type
    this.emit({ ...event, item_id: open.id, output_index: open.index } as ResponseStreamEventBody);
  }

  /** Tracks what `event`, written before, left open: the writer's own state, rebuilt from its stream. */
  private reopen(event: ResponseStreamEvent): void {
    const at = 'output_index' in event ? this.open.find((o) => o.index === event.output_index) : undefined;
    switch (event.type) {
      case 'response.output_item.added': {
        const { item, output_index: index } = event;
        const id = item.id!;
        if (item.type === 'message' || item.type === 'reasoning')
          this.open.push({ kind: item.type, index, id });
        else if (item.type === 'function_call' || item.type === 'custom_tool_call') {
          const { call_id: callId, name } = item as OutputFunctionCall | OutputCustomToolCall;
          this.open.push({ kind: 'tool', index, id, callId, name, custom: item.type === 'custom_tool_call' });
        } else this.open.push({ kind: 'native', index, id });
        break;
      }
      case 'response.output_item.done':
        this.open = this.open.filter((o) => o !== at);
        break;
      case 'response.content_part.added':
        if (at?.kind === 'message')
          at.part = {
            index: event.content_index,
            type: event.part.type === 'refusal' ? 'refusal' : 'output_text',
          };
        if (at?.kind === 'reasoning') at.part = { index: event.content_index, type: 'content' };
        break;
      case 'response.reasoning_summary_part.added':
        if (at?.kind === 'reasoning') at.part = { index: event.summary_index, type: 'summary' };
        break;
      case 'response.content_part.done':
      case 'response.reasoning_summary_part.done':
        if (at?.kind === 'message' || at?.kind === 'reasoning') at.part = undefined;
        break;
    }
  }

  private closePart(open: Extract<Open, { kind: 'message' | 'reasoning' }>): void {
    const part = open.part;
    if (!part) return;
    open.part = undefined;
    const at = { item_id: open.id, output_index: open.index };
    if (open.kind === 'message') {
      const content = this.item<{
        content: Array<{ type: string; text?: string; refusal?: string; logprobs?: unknown[] }>;
      }>(open.index).content[part.index]!;
      if (part.type === 'output_text')
        this.emit({
          type: 'response.output_text.done',
          ...at,
          content_index: part.index,
          text: content.text ?? '',
          logprobs: content.logprobs ?? [],
        });
      else
        this.emit({
          type: 'response.refusal.done',
          ...at,
          content_index: part.index,
          refusal: content.refusal ?? '',
        });
      this.emit({
        type: 'response.content_part.done',
        ...at,
        content_index: part.index,
        part: content as never,
      });
      return;
    }
    const item = this.item<{ summary: Array<{ text: string }>; content?: Array<{ text: string }> }>(
      open.index,
    );
    if (part.type === 'summary') {
      const text = item.summary[part.index]!.text;
      this.emit({ type: 'response.reasoning_summary_text.done', ...at, summary_index: part.index, text });
      this.emit({
        type: 'response.reasoning_summary_part.done',
        ...at,
        summary_index: part.index,
        part: { type: 'summary_text', text },
      });
    } else {
      const text = item.content![part.index]!.text;
      this.emit({ type: 'response.reasoning_text.done', ...at, content_index: part.index, text });
      this.emit({
        type: 'response.content_part.done',
        ...at,
        content_index: part.index,
        part: { type: 'reasoning_text', text },
      });
    }
  }

  private close(
    open: Open,
    status: 'completed' | 'incomplete' = 'completed',
    phase?: 'commentary' | 'final_answer',
  ): void {
    this.open = this.open.filter((o) => o !== open);
    const at = { item_id: open.id, output_index: open.index };
    if (open.kind === 'message' || open.kind === 'reasoning') this.closePart(open);
    // A closed item changes no more: the snapshot's own is finished in place and carried by its event.
    const item = this.snapshot.output[open.index]! as OutputItem & {
      status?: string;
      phase?: string | null;
    };
    if (open.kind === 'message' && phase && item.phase == null) item.phase = phase;
    if (open.kind === 'tool') {
      if (open.custom)
        this.emit({
          type: 'response.custom_tool_call_input.done',
          ...at,
          input: (item as { input: string }).input,
        });
      else
        this.emit({
          type: 'response.function_call_arguments.done',
          ...at,
          name: open.name,
          arguments: (item as { arguments: string }).arguments,
        });
    }
    if (open.kind !== 'native' && item.type !== 'custom_tool_call') item.status = status;
    this.emit({ type: 'response.output_item.done', output_index: open.index, item });
  }
}
