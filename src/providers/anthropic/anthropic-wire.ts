import { z } from 'zod';
import type {
  AnthropicBlock,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from '../../api/anthropic-messages.ts';

/**
 * The Messages API as the provider speaks it: the request it sends (its blocks as
 * api/anthropic-messages.ts defines them) and the stream event schemas it reads.
 */

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: AnthropicTextBlock[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number };
  output_config?: { format: { type: 'json_schema'; schema: Record<string, unknown> } };
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  stream: boolean;
}

const count = z.number().nullish().catch(null);

export const AnthropicUsage = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
});

/** A content block as it starts streaming, or whole in a Message. */
const StreamedBlock = z.looseObject({
  type: z.string(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  text: z.string().nullish(),
  thinking: z.string().nullish(),
  signature: z.string().nullish(),
  data: z.string().nullish(),
});

/** A whole Message: the answer to a request made without `stream`. */
export const AnthropicMessageAnswer = z.looseObject({
  content: z.array(StreamedBlock),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: AnthropicUsage.nullish(),
});

const isText = (value: unknown): boolean => value == null || typeof value === 'string';

/**
 * A `content_block_delta` event, checked by hand against its schema below: deltas come by the
 * thousand, and a schema parse each cost more than everything else done with them.
 */
export function isBlockDelta(json: Record<string, unknown>): boolean {
  const delta = json.delta as Record<string, unknown> | null | undefined;
  return (
    Number.isInteger(json.index) &&
    typeof delta === 'object' &&
    delta !== null &&
    typeof delta.type === 'string' &&
    isText(delta.text) &&
    isText(delta.partial_json) &&
    isText(delta.thinking) &&
    isText(delta.signature)
  );
}

/** Each stream event type Portico reads; other types (new ones included) are skipped. */
export const ANTHROPIC_EVENTS = {
  message_start: z.looseObject({ message: z.looseObject({ usage: AnthropicUsage.nullish() }) }),
  content_block_start: z.looseObject({ index: z.number().int(), content_block: StreamedBlock }),
  content_block_delta: z.looseObject({
    index: z.number().int(),
    delta: z.looseObject({
      type: z.string(),
      text: z.string().nullish(),
      partial_json: z.string().nullish(),
      thinking: z.string().nullish(),
      signature: z.string().nullish(),
    }),
  }),
  content_block_stop: z.looseObject({ index: z.number().int() }),
  message_delta: z.looseObject({
    delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
    usage: AnthropicUsage.nullish(),
  }),
  message_stop: z.looseObject({}),
  ping: z.looseObject({}),
  error: z.looseObject({ error: z.looseObject({ type: z.string(), message: z.string().nullish() }) }),
} as const;

export type AnthropicUsage = z.output<typeof AnthropicUsage>;
export type AnthropicEvent<T extends keyof typeof ANTHROPIC_EVENTS> = z.output<(typeof ANTHROPIC_EVENTS)[T]>;
