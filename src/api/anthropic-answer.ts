import type { AnthropicReasoningBlock } from './anthropic-messages.ts';

/** The Messages API's answers as the wire spells them: the Message, its stream events, its errors. */

/** Each error type and the HTTP status Anthropic gives it. */
export const ANTHROPIC_ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
} as const;

export type AnthropicErrorType = keyof typeof ANTHROPIC_ERROR_STATUS;

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
}

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export type AnswerBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | AnthropicReasoningBlock;

/** Token counts: `input_tokens` leaves out the tokens read from or written to the prompt cache. */
export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** The answer to `POST /v1/messages`. */
export interface MessageObject {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnswerBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: MessageUsage;
}

export type BlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string };

/** One event of a streamed answer; an `error` event ends a stream that failed. */
export type MessageStreamEvent =
  | { type: 'message_start'; message: MessageObject }
  | { type: 'content_block_start'; index: number; content_block: AnswerBlock }
  | { type: 'content_block_delta'; index: number; delta: BlockDelta }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null };
      usage: MessageUsage;
    }
  | { type: 'message_stop' }
  | AnthropicErrorBody;
