import type { MessageStreamEvent } from '../../api/anthropic-answer.ts';
import { toApiError } from '../../api/errors.ts';
import type { ResponseStreamEvent } from '../../api/stream-events.ts';
import { eventText, type EventText } from '../../stream/event-stream.ts';
import { anthropicErrorBody } from './anthropic-error.ts';
import { MessageEventTranslator } from './message-event-translator.ts';

/** One event as Anthropic writes it: its type as the `event:` line, the event as one `data:` line. */
export function encodeMessagesSse(event: MessageStreamEvent): string {
  // Event types come from a closed list, and JSON escapes every line break inside strings.
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The events of a whole answer; a stream that fails ends with its `error` event. */
async function* messageEvents(
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>,
  translator: MessageEventTranslator,
): AsyncGenerator<MessageStreamEvent, void, undefined> {
  try {
    for await (const event of events)
      for (const out of translator.translate(event)) {
        yield out;
        if (out.type === 'error') return;
      }
  } catch (error) {
    yield anthropicErrorBody(toApiError(error));
  } finally {
    await events.return(undefined);
  }
}

/**
 * The SSE text of an answer as the Messages API streams it, under the model name the client
 * gave. Cancelling (the client went away) calls `onCancel`, which aborts generation.
 */
export function messagesSseText(
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>,
  model: string,
  onCancel: () => void = () => {},
): EventText {
  return eventText(messageEvents(events, new MessageEventTranslator(model)), encodeMessagesSse, onCancel);
}
