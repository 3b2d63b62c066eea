import type { FinishReason } from '../provider.ts';

/** A Messages API `stop_reason` as a finish reason. */
export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default: // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}
