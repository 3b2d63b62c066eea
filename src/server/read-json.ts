import { ApiError } from '../api/errors.ts';
import { LIMITS } from '../api/limits.ts';
import { parseJsonText } from '../api/parse-json-text.ts';

function tooLarge(): ApiError {
  return new ApiError({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    message: `The request body is larger than ${LIMITS.bodyBytes / 1024 / 1024} MiB.`,
  });
}

/**
 * The request body as JSON, or a 400 (413 when too large) saying why it is not. The bytes are
 * counted as they arrive, chunked or not, and reading stops at the limit: an oversized body
 * never sits in memory whole, whatever its `content-length` claimed.
 */
export async function readJson(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > LIMITS.bodyBytes) throw tooLarge();
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > LIMITS.bodyBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return parseJsonText(Buffer.concat(chunks, size).toString('utf8'));
}
