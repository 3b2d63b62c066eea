import { serverError } from '../api/errors.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';

/** The response of the stream's terminal event: the JSON answer of a request made without `stream`. */
export async function finalResponse(events: AsyncIterable<ResponseStreamEvent>): Promise<ResponseObject> {
  let final: ResponseObject | undefined;
  for await (const event of events) {
    if (
      event.type === 'response.completed' ||
      event.type === 'response.incomplete' ||
      event.type === 'response.failed'
    ) {
      final = event.response;
    }
  }
  // Only a generation stopped by a client that went away ends without one.
  if (!final) throw serverError('The response ended before it finished.');
  return final;
}
