import type { AnthropicStopReason } from '../../api/anthropic-answer.ts';
import type { ChatFinishReason } from '../../api/chat-completions.ts';
import type { ResponseObject } from '../../api/response.ts';
import { finishDetails } from '../../engine/finish-details.ts';
import { mapFinishReason } from '../chat/map-finish-reason.ts';

const STOP_REASON: Readonly<Record<ChatFinishReason, AnthropicStopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/** A Messages API answer's end: its stop reason, and the stop sequence that ended it, if one did. */
export interface AnthropicStop {
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
}

/**
 * How a finished response ended, as the Messages API says it (Chat Completions' finish reason,
 * renamed; `stop_sequence` where the model said which stop sequence ended it, finish-details.ts);
 * undefined for a failed one.
 */
export function anthropicStop(response: ResponseObject): AnthropicStop | undefined {
  const reason = mapFinishReason(response);
  if (!reason) return undefined;
  const { stopSequence } = finishDetails(response);
  if (reason === 'stop' && stopSequence) return { stop_reason: 'stop_sequence', stop_sequence: stopSequence };
  return { stop_reason: STOP_REASON[reason], stop_sequence: null };
}
