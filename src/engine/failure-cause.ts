import type { ApiError } from '../api/errors.ts';
import type { ResponseObject } from '../api/response.ts';

/**
 * Why a response failed, as the error it failed with, beside its terminal event's response.
 * The response's own `error` has only the Responses API's codes (`server_error` for every
 * upstream failure); an answer that is an HTTP error (a chat completion or a Workers AI run in
 * one piece) reads here the status it failed with: a 502 or 504 from its upstream, not a 500.
 * In memory only: a response read back from the store has its `error` alone.
 */
const causes = new WeakMap<ResponseObject, ApiError>();

export function setFailureCause(response: ResponseObject, cause: ApiError): void {
  causes.set(response, cause);
}

export function failureCause(response: ResponseObject): ApiError | undefined {
  return causes.get(response);
}
