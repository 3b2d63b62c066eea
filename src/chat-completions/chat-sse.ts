import type { ChatStreamItem } from '../api/chat-completions.ts';
import { toApiError } from '../api/errors.ts';

const encoder = new TextEncoder();

/** One `data:` line and a blank line: Chat Completions streams carry no `event:` names. */
export function encodeChatSse(data: ChatStreamItem | '[DONE]'): Uint8Array {
  // JSON.stringify escapes every line break inside strings, so one data line always suffices.
  return encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/**
 * The SSE bytes of a chat stream: the chunks, then `data: [DONE]`. A stream that fails ends
 * with its `{error}` item and no `[DONE]`. Cancelling (the client went away) calls `onCancel`,
 * which aborts generation, and closes the chunk generator.
 */
export function chatSseStream(
  items: AsyncGenerator<ChatStreamItem, void, undefined>,
  onCancel: () => void = () => {},
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<ChatStreamItem, void>;
      try {
        next = await items.next();
      } catch (error) {
        controller.enqueue(encodeChatSse(toApiError(error).toJSON()));
        controller.close();
        return;
      }
      if (next.done) {
        controller.enqueue(encodeChatSse('[DONE]'));
        controller.close();
      } else {
        controller.enqueue(encodeChatSse(next.value));
        if ('error' in next.value) {
          controller.close();
          await items.return(undefined);
        }
      }
    },
    async cancel() {
      onCancel();
      await items.return(undefined);
    },
  });
}
