import type { ApiError } from '../api/errors.ts';
import type { ResponseObject } from '../api/response.ts';
import type { FinishReason } from '../providers/provider.ts';

type Ending = Pick<ResponseObject, 'status' | 'incomplete_details' | 'error'>;

/** How a provider's finish reason ends the response. */
export function finishStatus(reason: FinishReason, error?: ApiError): Ending {
  switch (reason) {
    case 'length':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, error: null };
    case 'content-filter':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, error: null };
    case 'error':
      return { status: 'failed', incomplete_details: null, error: failure(error) };
    case 'stop':
    case 'tool-calls':
      return { status: 'completed', incomplete_details: null, error: null };
  }
}

/** The `error` of a failed response: a ResponseErrorCode and a message safe to show. */
export function failure(error: ApiError | undefined): { code: string; message: string } {
  if (!error) return { code: 'server_error', message: 'The model failed to generate a response.' };
  const code =
    error.status === 429 ? 'rate_limit_exceeded' : error.status === 400 ? 'invalid_prompt' : 'server_error';
  return { code, message: error.message };
}
