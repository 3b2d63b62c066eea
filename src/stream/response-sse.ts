import type { ResponseObject } from '../api/response.ts';
import { responseJson } from '../api/response-json.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { eventText, type EventText } from './event-stream.ts';

/** One event in the wire format: `event:` and `data:` lines, a blank line. No `[DONE]`, ever. */
export function encodeSseEvent(event: ResponseStreamEvent): string {
  // Event names come from a closed list; a line break in one would forge a second event.
  if (/[\r\n]/.test(event.type)) throw new Error('SSE event names cannot contain line breaks');
  // JSON escapes every line break inside strings, so one data line always suffices.
  return `event: ${event.type}\ndata: ${eventJson(event)}\n\n`;
}

/**
 * `JSON.stringify(event)`, but the response a lifecycle event carries is written by
 * `responseJson`, so that a finished response's text (its whole output) is made once for its
 * terminal event (an SSE frame or a WebSocket message), its stored record, its log and its
 * JSON answer alike.
 */
export function eventJson(event: ResponseStreamEvent): string {
  if (!('response' in event)) return JSON.stringify(event);
  let text = '';
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined) continue;
    const json = key === 'response' ? responseJson(value as ResponseObject) : JSON.stringify(value);
    text += `${text === '' ? '{' : ','}${JSON.stringify(key)}:${json}`;
  }
  return `${text}}`;
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
