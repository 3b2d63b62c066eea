import { itemsForClient } from '../api/include.ts';
import { hasEnded, outputText, type ResponseObject } from '../api/response.ts';
import { isTerminalEvent, terminalEventType, type ResponseStreamEvent } from '../api/stream-events.ts';
import { ResponseWriter } from '../engine/response-writer.ts';
import type { StreamEnding } from '../store/background-store.ts';

/**
 * Ends the stored stream of a background response that its run did not end (a run cancelled
 * while queued, one whose instance died, one that failed before generation): each item and
 * part it left open closed as `incomplete`, as the engine closes its own, then the terminal
 * event of `ending`; the record then says the same. Followers of the stream stop at that event.
 */
export function closeStream(
  stored: ResponseObject,
  ending: Pick<ResponseObject, 'status'> & Partial<Pick<ResponseObject, 'error'>>,
): StreamEnding {
  return (events) => {
    // No item is made here: the writer only closes what the run opened.
    const writer = ResponseWriter.continuing(events, stored, () => {
      throw new Error('an ended stream makes no new item');
    });
    const closing = writer.closeAll('incomplete');
    const response = writer.lifecycle(terminalEventType(ending.status), {
      ...ending,
      output_text: outputText(writer.snapshot.output),
    });
    return { events: [...closing, ...writer.drain()], response };
  };
}

/**
 * How a background response whose instance died between the writes of its end (its record,
 * its terminal event, its run leaving the queue) is settled; undefined when it had not ended.
 * Ended in its record or in its log, it stays as it ended, and the two are made to agree: a
 * terminal event the record lacks becomes the record; a record the log lacks becomes its
 * terminal event, which carries the whole response (what the log missed of it included), shown
 * as its stream shows it (`include`).
 */
export function settleEnded(
  stored: ResponseObject,
  events: readonly ResponseStreamEvent[],
  include: readonly string[],
): StreamEnding | undefined {
  const logged = events.findLast(isTerminalEvent);
  if (logged) return () => ({ events: [], response: hasEnded(stored) ? stored : logged.response });
  if (!hasEnded(stored)) return undefined;
  const shown = { ...stored, output: itemsForClient(stored.output, include) };
  return (stream) => ({
    events: [
      {
        type: terminalEventType(stored.status),
        response: shown,
        sequence_number: (stream.at(-1)?.sequence_number ?? -1) + 1,
      },
    ],
    response: stored,
  });
}
