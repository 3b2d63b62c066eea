import type { ChatStreamItem } from '../../api/chat-completions.ts';
import { toApiError } from '../../api/errors.ts';
import { eventText, type EventText } from '../../stream/event-stream.ts';

/** One `data:` line and a blank line: Chat Completions streams carry no `event:` names. */
export function encodeChatSse(data: ChatStreamItem | '[DONE]'): string {
  // JSON.stringify escapes every line break inside strings, so one data line always suffices.
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** The chunks, then `data: [DONE]`; a stream that fails ends with its `{error}` item and no `[DONE]`. */
async function* chatFrames(
  items: AsyncGenerator<ChatStreamItem, void, undefined>,
): AsyncGenerator<string, void, undefined> {
  try {
    for await (const item of items) {
      yield encodeChatSse(item);
      if ('error' in item) return;
    }
    yield encodeChatSse('[DONE]');
  } catch (error) {
    yield encodeChatSse(toApiError(error).toJSON());
  } finally {
    await items.return(undefined);
  }
}

/** The SSE text of a chat stream. Cancelling (the client went away) calls `onCancel`, which aborts generation. */
export function chatSseText(
  items: AsyncGenerator<ChatStreamItem, void, undefined>,
  onCancel: () => void = () => {},
): EventText {
  return eventText(chatFrames(items), (frame) => frame, onCancel);
}
