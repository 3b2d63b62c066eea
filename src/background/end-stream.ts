import { outputText, type ResponseObject } from '../api/response.ts';
import { terminalEventType, type ResponseStreamEvent } from '../api/stream-events.ts';
import { ResponseWriter } from '../engine/response-writer.ts';
import type { BackgroundStore } from '../store/background-store.ts';
import type { Owner } from '../store/owner.ts';
import type { ResponseStore } from '../store/response-store.ts';

/**
 * Ends the stored stream of a background response that its run did not end (a run cancelled
 * while queued, or one whose instance died): each item and part it left open closed as
 * `incomplete`, as the engine closes its own, then the terminal event of `ending`; the record
 * then says the same. Followers of the stream stop at that event.
 */
export async function endStream(
  responseId: string,
  owner: Owner,
  events: readonly ResponseStreamEvent[],
  stored: ResponseObject,
  ending: Pick<ResponseObject, 'status'> & Partial<Pick<ResponseObject, 'error'>>,
  stores: { background: BackgroundStore; responses: ResponseStore },
): Promise<ResponseObject> {
  // No item is made here: the writer only closes what the run opened.
  const writer = ResponseWriter.continuing(events, stored, () => {
    throw new Error('an ended stream makes no new item');
  });
  const closing = writer.closeAll('incomplete');
  const response = writer.lifecycle(terminalEventType(ending.status), {
    ...ending,
    output_text: outputText(writer.snapshot.output),
  });
  await stores.background.appendEvents(responseId, [...closing, ...writer.drain()]);
  await stores.responses.finish(response, owner);
  return response;
}
