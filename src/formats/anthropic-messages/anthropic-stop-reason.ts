import type { AnthropicStopReason } from '../../api/anthropic-answer.ts';
import type { ChatFinishReason } from '../../api/chat-completions.ts';
import type { ResponseObject } from '../../api/response.ts';
import { mapFinishReason } from '../chat/map-finish-reason.ts';

const STOP_REASON: Readonly<Record<ChatFinishReason, AnthropicStopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/**
 * How a finished response ended, as a Messages API stop reason (Chat Completions' finish
 * reason, renamed); undefined for a failed one. The engine does not record which stop sequence
 * ended an answer, so that is `end_turn` too.
 */
export function anthropicStopReason(response: ResponseObject): AnthropicStopReason | undefined {
  const reason = mapFinishReason(response);
  return reason && STOP_REASON[reason];
}
