import type { NativeOutputItem } from '../../api/response.ts';
import { malformedEvent, readWire } from '../http/translate-stream.ts';
import { readLogprobs } from '../http/read-logprobs.ts';
import type { ModelEvent } from '../provider.ts';
import { WireMessage, WireReasoning, WireToolCall, type WireItem } from './openai-wire.ts';
import { sealReasoning } from './reasoning-envelope.ts';

/** What has been passed on of one upstream item, so its `done` form adds only what is missing. */
export type TrackedItem =
  | { kind: 'message'; text: string; refusal: string }
  | { kind: 'reasoning'; summary: string; summaryIndex: number | undefined; content: string }
  | { kind: 'tool'; callId: string; sent: string }
  | { kind: 'native'; id: string };

/** Summary parts are joined into the one summary part a reasoning item streams as. */
export const SUMMARY_SEPARATOR = '\n\n';

/** The part of `final` not yet sent; nothing when the deltas already diverged from it. */
function rest(sent: string, final: string): string {
  return final.startsWith(sent) ? final.slice(sent.length) : '';
}

function joined(parts: ReadonlyArray<{ text?: string | undefined }>, separator = ''): string {
  return parts.map((part) => part.text ?? '').join(separator);
}

/** The citations of a text part, as text-annotation events; entries without a type are left out. */
function annotationsOf(annotations: unknown): ModelEvent[] {
  if (!Array.isArray(annotations)) return [];
  return annotations.flatMap((annotation: unknown): ModelEvent[] =>
    isAnnotation(annotation) ? [{ type: 'text-annotation', annotation }] : [],
  );
}

/** An annotation as the engine takes it: an object with a `type`. */
export function isAnnotation(value: unknown): value is { type: string; [field: string]: unknown } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

/** A native item as the engine takes it: kept as sent, which includes an id to address it by. */
export function nativeItem(provider: string, item: WireItem): NativeOutputItem {
  if (!item.id) throw malformedEvent(provider, `a ${item.type} item without an id`);
  return { ...item, id: item.id };
}

/**
 * The events that finish an item at its `output_item.done`: whatever text, summary or
 * arguments its deltas did not carry, its encrypted reasoning, and the end of a tool call.
 */
export function completeItem(provider: string, item: WireItem, tracked: TrackedItem): ModelEvent[] {
  const out: ModelEvent[] = [];
  switch (tracked.kind) {
    case 'message': {
      const { content } = readWire(provider, WireMessage, item, 'message item');
      const texts = content.filter((part) => part.type === 'output_text');
      const text = rest(tracked.text, joined(texts));
      const refusals = content.filter((part) => part.type === 'refusal').map((part) => part.refusal ?? '');
      const refusal = rest(tracked.refusal, refusals.join(''));
      // Text that arrives whole here (none of it was streamed) brings its logprobs and citations.
      const whole = text !== '' && tracked.text === '';
      const logprobs = whole ? texts.flatMap((part) => readLogprobs(part.logprobs)) : [];
      if (text)
        out.push(
          logprobs.length > 0
            ? { type: 'text-delta', delta: text, logprobs }
            : { type: 'text-delta', delta: text },
        );
      if (whole) out.push(...texts.flatMap((part) => annotationsOf(part.annotations)));
      if (refusal) out.push({ type: 'refusal-delta', delta: refusal });
      const phase = (item as { phase?: unknown }).phase;
      out.push(
        phase === 'commentary' || phase === 'final_answer'
          ? { type: 'item-end', phase }
          : { type: 'item-end' },
      );
      return out;
    }
    case 'reasoning': {
      const reasoning = readWire(provider, WireReasoning, item, 'reasoning item');
      const summary = rest(tracked.summary, joined(reasoning.summary, SUMMARY_SEPARATOR));
      const content = rest(tracked.content, joined(reasoning.content ?? []));
      if (summary) out.push({ type: 'reasoning-delta', part: 'summary', delta: summary });
      if (content) out.push({ type: 'reasoning-delta', part: 'content', delta: content });
      if (reasoning.encrypted_content) {
        const encryptedContent = sealReasoning(reasoning.id, reasoning.encrypted_content);
        out.push({ type: 'reasoning-encrypted', encryptedContent });
      }
      // Upstream reasoning items stay separate: each carries its own encrypted content.
      out.push({ type: 'item-end' });
      return out;
    }
    case 'tool': {
      const call = readWire(provider, WireToolCall, item, `${item.type} item`);
      const missing = rest(tracked.sent, call.arguments ?? call.input ?? '');
      if (missing) out.push({ type: 'tool-call-delta', callId: tracked.callId, delta: missing });
      out.push({ type: 'tool-call-end', callId: tracked.callId });
      return out;
    }
    case 'native':
      return [{ type: 'native-item', item: nativeItem(provider, item) }];
  }
}
