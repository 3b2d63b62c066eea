import { ApiError, badRequest } from '../api/errors.ts';

/** The largest request body read: OpenAI allows 10 MiB strings in `input`, with room for the rest. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

function tooLarge(): ApiError {
  return new ApiError({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    message: `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`,
  });
}

/** The request body as JSON, or a 400 (413 when too large) saying why it is not. */
export async function readJson(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw tooLarge();
  if (!text.trim()) throw badRequest(null, 'The request body is empty: send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(null, 'The request body is not valid JSON.', 'invalid_json');
  }
}
