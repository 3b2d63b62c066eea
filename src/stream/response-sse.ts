import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { eventText, type EventText } from './event-stream.ts';

/** One event in the wire format: `event:` and `data:` lines, a blank line. No `[DONE]`, ever. */
export function encodeSseEvent(event: ResponseStreamEvent): string {
  // Event names come from a closed list; a line break in one would forge a second event.
  if (/[\r\n]/.test(event.type)) throw new Error('SSE event names cannot contain line breaks');
  // JSON.stringify escapes every line break inside strings, so one data line always suffices.
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The SSE text of a response's events. Cancelling it (the client went away) stops the event
 * generator, which stops generation and records how the response ended.
 */
export function sseText(
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>,
  onCancel: () => void = () => {},
): EventText {
  return eventText(events, encodeSseEvent, onCancel);
}
