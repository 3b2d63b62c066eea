import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
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

export interface JsonBody {
  value: unknown;
  /** Bytes received (compressed, when the client compressed them). */
  size: number;
}

/** The bytes of a body, counted as they arrive (after gunzip when `content-encoding: gzip`). */
async function readBytes(request: Request): Promise<{ bytes: Buffer; size: number }> {
  if (!request.body) return { bytes: Buffer.alloc(0), size: 0 };
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding && encoding !== 'identity' && encoding !== 'gzip')
    throw new ApiError({
      status: 415,
      type: 'invalid_request_error',
      code: 'unsupported_content_encoding',
      param: 'content-encoding',
      message: `Unsupported content-encoding '${encoding.slice(0, 40)}': send the body plain or gzip-compressed.`,
    });
  let size = 0;
  const counted = Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>);
  counted.on('data', (chunk: Buffer) => (size += chunk.length));
  const source = encoding === 'gzip' ? counted.pipe(createGunzip()) : counted;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        counted.destroy();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest(
      null,
      'The request body could not be read: it is not valid gzip or it broke off.',
      'invalid_body',
    );
  }
  return { bytes: Buffer.concat(chunks, length), size };
}

/** The request body as JSON, or a 400 (413 when too large) saying why it is not. */
export async function readJson(request: Request): Promise<JsonBody> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const { bytes, size } = await readBytes(request);
  const text = bytes.toString('utf8');
  if (!text.trim()) throw badRequest(null, 'The request body is empty: send a JSON object.');
  try {
    return { value: JSON.parse(text) as unknown, size };
  } catch {
    throw badRequest(null, 'The request body is not valid JSON.', 'invalid_json');
  }
}
