import { ApiError } from '../api/errors.ts';

/** A backing service that is unreachable or going away: a retryable 503, since nothing was acknowledged. */
export function storeUnavailable(what: string): ApiError {
  return new ApiError({
    status: 503,
    type: 'server_error',
    code: 'store_unavailable',
    message: `${what} is unavailable; nothing was stored. Try again shortly.`,
    retryable: true,
  });
}
