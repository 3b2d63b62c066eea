import { z } from 'zod';
import { malformedEvent } from '../http/translate-stream.ts';

/**
 * The parts of OpenAI's Responses stream that Portico reads, as the wire spells them. Objects
 * are loose: OpenAI adds fields often, and an unknown field must never break a stream.
 */

const index = z.number().int().nonnegative();

/** A stream event: an object with a `type` (checked by hand, for every event). */
export function readStreamEvent(provider: string, json: unknown): Record<string, unknown> & { type: string } {
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || type === '') throw malformedEvent(provider);
  return json as Record<string, unknown> & { type: string };
}

/** Any output item; the typed ones below are read where a field matters. */
export const WireItem = z.looseObject({ type: z.string().min(1), id: z.string().min(1).optional() });

export const ItemEvent = z.looseObject({ output_index: index.optional(), item: WireItem });

/** A text, refusal, reasoning or argument delta. */
export interface DeltaEvent {
  item_id: string;
  delta: string;
  summary_index?: number;
  [field: string]: unknown;
}

/**
 * Reads a delta event with a shape check written out rather than a schema: deltas come by the
 * thousand, and a schema parse each cost more than everything else done with them.
 */
export function readDeltaEvent(provider: string, event: Record<string, unknown>, what: string): DeltaEvent {
  const { item_id, delta, summary_index } = event;
  const indexed =
    summary_index === undefined ||
    (typeof summary_index === 'number' && Number.isInteger(summary_index) && summary_index >= 0);
  if (typeof item_id !== 'string' || item_id === '' || typeof delta !== 'string' || !indexed)
    throw malformedEvent(provider, `a malformed ${what}`);
  return event as DeltaEvent;
}

/** Item-scoped events (progress of a hosted tool, deltas): only the item they belong to. */
export const ItemScopedEvent = z.looseObject({ item_id: z.string().min(1).optional() });

const texts = z.array(
  z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    refusal: z.string().optional(),
    annotations: z.unknown().optional(),
    logprobs: z.unknown().optional(),
  }),
);

export const WireMessage = z.looseObject({ type: z.literal('message'), content: texts.catch([]) });

export const WireReasoning = z.looseObject({
  type: z.literal('reasoning'),
  id: z.string().min(1),
  summary: texts.catch([]),
  content: texts.nullish().catch(null),
  encrypted_content: z.string().nullish(),
});

export const WireToolCall = z.looseObject({
  type: z.enum(['function_call', 'custom_tool_call']),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string().optional(),
  input: z.string().optional(),
});

const count = z.number().int().nonnegative();

export const WireUsage = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  input_tokens_details: z
    .looseObject({ cached_tokens: count.nullish(), cache_write_tokens: count.nullish() })
    .nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: count.nullish() }).nullish(),
});

export const WireError = z.looseObject({
  code: z.string().nullish(),
  message: z.string().default('The upstream reported an error.'),
  param: z.string().nullish(),
});

/** How a Response ended: its usage, why it is incomplete, why it failed. */
const ResponseEnding = z.looseObject({
  usage: WireUsage.nullish().catch(null),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
  error: WireError.nullish(),
});

/** `response.completed`, `response.incomplete` and `response.failed`: the final Response. */
export const TerminalEvent = z.looseObject({ response: ResponseEnding });

/** A whole Response: the answer to a request made without `stream`. */
export const WholeResponse = ResponseEnding.extend({ status: z.string(), output: z.array(WireItem) });

/**
 * The fields of a Response that Portico reads, for its schemas: a loose schema copies every
 * field of what it parses, and a Response has dozens. Anything but an object is left to fail.
 */
export function responseEnding(response: unknown): unknown {
  if (typeof response !== 'object' || response === null) return response;
  const { status, output, usage, incomplete_details, error } = response as Record<string, unknown>;
  return { status, output, usage, incomplete_details, error };
}

export type WireItem = z.output<typeof WireItem>;
export type WireUsage = z.output<typeof WireUsage>;
export type WireError = z.output<typeof WireError>;

/** `POST /responses/compact`'s answer (CompactResource), as far as Portico reads it. */
export const CompactAnswer = z.looseObject({
  output: z.array(z.looseObject({ type: z.string(), id: z.string() })),
  usage: WireUsage.nullish(),
});
