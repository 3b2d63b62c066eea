import { ApiError } from '../api/errors.ts';
import type { ResponseObject } from '../api/response.ts';
import { finishDetails } from '../engine/finish-details.ts';

/**
 * A failed response as the HTTP error a client of an answer in one piece gets (a chat
 * completion, a Workers AI run): the error it failed with (an upstream's 502 or 504), or,
 * where that is not known (a response read back), one made from the response's error code.
 */
export function failedResponseError(response: ResponseObject): ApiError {
  const { cause } = finishDetails(response);
  if (cause) return cause;
  const code = response.error?.code ?? 'server_error';
  const message = response.error?.message ?? 'The model failed to generate a response.';
  if (code === 'rate_limit_exceeded')
    return new ApiError({ status: 429, type: 'rate_limit_error', code, message });
  if (code === 'invalid_prompt')
    return new ApiError({ status: 400, type: 'invalid_request_error', code, message });
  return new ApiError({ status: 500, type: 'server_error', code, message });
}
