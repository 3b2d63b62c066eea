import { z } from 'zod';
import { malformedEvent } from '../http/translate-stream.ts';

/**
 * The parts of OpenAI's Responses stream that Portico reads, as the wire spells them. Objects
 * are loose: OpenAI adds fields often, and an unknown field must never break a stream.
 */

const index = z.number().int().nonnegative();

export const StreamEvent = z.looseObject({ type: z.string().min(1) });

/** Any output item; the typed ones below are read where a field matters. */
export const WireItem = z.looseObject({ type: z.string().min(1), id: z.string().min(1).optional() });

export const ItemEvent = z.looseObject({ output_index: index.optional(), item: WireItem });

export const DeltaEvent = z.looseObject({
  item_id: z.string().min(1),
  delta: z.string(),
  summary_index: index.optional(),
});

/** Item-scoped events (progress of a hosted tool, deltas): only the item they belong to. */
export const ItemScopedEvent = z.looseObject({ item_id: z.string().min(1).optional() });

const texts = z.array(
  z.looseObject({ type: z.string(), text: z.string().optional(), refusal: z.string().optional() }),
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

/** `response.completed`, `response.incomplete` and `response.failed`: the final Response. */
export const TerminalEvent = z.looseObject({
  response: z.looseObject({
    usage: WireUsage.nullish().catch(null),
    incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
    error: WireError.nullish(),
  }),
});

export type WireItem = z.output<typeof WireItem>;
export type WireUsage = z.output<typeof WireUsage>;
export type WireError = z.output<typeof WireError>;

/** Reads a value with a wire schema; a value that does not fit is a malformed upstream event. */
export function readWire<S extends z.ZodType>(
  provider: string,
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw malformedEvent(provider, `a malformed ${what}`);
  return parsed.data;
}

/** `POST /responses/compact`'s answer (CompactResource), as far as Portico reads it. */
export const CompactAnswer = z.looseObject({
  output: z.array(z.looseObject({ type: z.string(), id: z.string() })),
  usage: WireUsage.nullish(),
});
