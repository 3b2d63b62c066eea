import type { FinishReason } from '../provider.ts';

/**
 * A Chat Completions `finish_reason` as a finish reason. Some servers say `stop` after tool
 * calls; a turn that called tools always ends as `tool-calls`.
 */
export function mapChatFinishReason(reason: string | null | undefined, calledTools: boolean): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'error':
      return 'error';
    default:
      return calledTools ? 'tool-calls' : 'stop';
  }
}
