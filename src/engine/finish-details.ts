import type { ApiError } from '../api/errors.ts';
import type { ResponseObject } from '../api/response.ts';

/**
 * How a response ended, beyond what the Responses API's fields say, for answers in other
 * formats. `cause`: why a failed response failed, as the error it failed with (the response's
 * own `error` has only the Responses API's codes, `server_error` for every upstream failure), so
 * an answer that is an HTTP error (a chat completion, a Workers AI run) reads the status it
 * failed with: a 502 or 504 from its upstream, not a 500. `stopSequence`: which of the request's
 * stop sequences ended a completed response, where the model said (Anthropic's `stop_sequence`).
 */
export interface FinishDetails {
  cause?: ApiError | undefined;
  stopSequence?: string | undefined;
}

/** Beside the terminal event's response; in memory only: a response read back from the store has neither. */
const details = new WeakMap<ResponseObject, FinishDetails>();

export function setFinishDetails(response: ResponseObject, finish: FinishDetails): void {
  details.set(response, finish);
}

export function finishDetails(response: ResponseObject): FinishDetails {
  return details.get(response) ?? {};
}
