import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { ApiError, badRequest } from '../api/errors.ts';
import { clip, LIMITS } from '../api/limits.ts';
import { parseJsonText } from '../api/parse-json-text.ts';

function tooLarge(limit: number): ApiError {
  return new ApiError({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    message: `The request body is larger than ${limit / 1024 / 1024} MiB.`,
  });
}

export interface JsonBody {
  value: unknown;
  /** Bytes received (compressed, when the client compressed them). */
  size: number;
}

/**
 * The bytes of a body, counted as they arrive, chunked or not, after gunzip when
 * `content-encoding: gzip`: reading stops at `limit`, so an oversized body (or a gzip bomb)
 * never sits in memory whole, whatever its `content-length` claimed.
 */
export async function readBytes(
  request: Request,
  limit: number = LIMITS.bodyBytes,
): Promise<{ bytes: Buffer; size: number }> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return { bytes: Buffer.alloc(0), size: 0 };
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity' && encoding !== 'gzip')
    throw new ApiError({
      status: 415,
      type: 'invalid_request_error',
      code: 'unsupported_content_encoding',
      param: 'content-encoding',
      message: `Unsupported content-encoding '${clip(encoding)}': send the body plain or gzip-compressed.`,
    });
  let size = 0;
  const received = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
  received.on('data', (chunk: Buffer) => (size += chunk.length));
  const source = encoding === 'gzip' ? received.pipe(createGunzip()) : received;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (error) {
    received.destroy();
    if (error instanceof ApiError) throw error;
    throw badRequest(
      null,
      'The request body could not be read: it broke off, or is not valid gzip.',
      'invalid_body',
    );
  }
  return { bytes: Buffer.concat(chunks, length), size };
}

/** The request body as JSON, or a 400 (413 when too large) saying why it is not. */
export async function readJson(request: Request): Promise<JsonBody> {
  const { bytes, size } = await readBytes(request);
  return { value: parseJsonText(bytes.toString('utf8')), size };
}
