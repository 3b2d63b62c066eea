import { z } from 'zod';

/** The Messages API as the wire spells it: request types out, stream event schemas in. */

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
}

export type AnthropicSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'text'; media_type: 'text/plain'; data: string };

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicSource;
}

export interface AnthropicDocumentBlock {
  type: 'document';
  source: AnthropicSource;
  title?: string;
}

export type AnthropicThinkingBlock =
  { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

export type AnthropicBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicThinkingBlock
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content: string | Array<AnthropicTextBlock | AnthropicImageBlock>;
    };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

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
const AnthropicBlock = z.looseObject({
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
  content: z.array(AnthropicBlock),
  stop_reason: z.string().nullish(),
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
  content_block_start: z.looseObject({ index: z.number().int(), content_block: AnthropicBlock }),
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
    delta: z.looseObject({ stop_reason: z.string().nullish() }),
    usage: AnthropicUsage.nullish(),
  }),
  message_stop: z.looseObject({}),
  ping: z.looseObject({}),
  error: z.looseObject({ error: z.looseObject({ type: z.string(), message: z.string().nullish() }) }),
} as const;

export type AnthropicUsage = z.output<typeof AnthropicUsage>;
export type AnthropicEvent<T extends keyof typeof ANTHROPIC_EVENTS> = z.output<(typeof ANTHROPIC_EVENTS)[T]>;
