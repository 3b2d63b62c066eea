import type { ChatFinishReason } from '../../api/chat-completions.ts';
import type { ResponseObject } from '../../api/response.ts';

/** How a finished response ended, as a chat finish reason; undefined for a failed one. */
export function mapFinishReason(response: ResponseObject): ChatFinishReason | undefined {
  switch (response.status) {
    case 'completed':
      return response.output.some((item) => item.type === 'function_call') ? 'tool_calls' : 'stop';
    case 'incomplete':
      return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
    default:
      return undefined;
  }
}
