import type { ApiError } from '../../api/errors.ts';
import { upstreamHttpError } from '../http/upstream-error.ts';

/** The HTTP status Anthropic gives each error type, so a streamed error maps like an HTTP one. */
const STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** An `error` event that arrived after the 200 (overloaded, ...) as an ApiError. */
export function anthropicStreamError(
  provider: string,
  error: { type: string; message?: string | null | undefined },
): ApiError {
  return upstreamHttpError(provider, STATUS[error.type] ?? 500, new Headers(), JSON.stringify({ error }));
}
