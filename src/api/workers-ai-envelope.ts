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

/**
 * A failure in the same envelope: `errors` carries the code (Cloudflare's own number where the
 * error has one, as DLP's 2029 does; else the HTTP status) and the message.
 */
export function errorEnvelope(error: ApiError) {
  const code = error.code !== null && /^\d{4}$/.test(error.code) ? Number(error.code) : error.status;
  return {
    result: null,
    success: false as const,
    errors: [{ code, message: error.message, ...(error.param ? { param: error.param } : {}) }],
    messages: [],
  };
}
