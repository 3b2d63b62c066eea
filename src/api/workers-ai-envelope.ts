import type { ApiError } from './errors.ts';

/** Cloudflare API v4's answer: `{result, success, errors, messages}`. */
export function envelope<T>(result: T) {
  return {
    result,
    success: true as const,
    errors: [] as Array<{ code: number; message: string }>,
    messages: [],
  };
}

/** A failure in the same envelope: `errors` carries the code (the HTTP status) and the message. */
export function errorEnvelope(error: ApiError) {
  return {
    result: null,
    success: false as const,
    errors: [{ code: error.status, message: error.message, ...(error.param ? { param: error.param } : {}) }],
    messages: [],
  };
}
