import type { HttpBindings } from '@hono/node-server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ApiError, badRequest } from '../api/errors.ts';
import { clip, LIMITS } from '../api/limits.ts';
import { parseJsonText } from '../api/parse-json-text.ts';
import { bodyBudget, FREE_BODY_BYTES, type BodyBudget } from './body-budget.ts';

function tooLarge(limit: number): ApiError {
  return new ApiError({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    message: `The request body is larger than ${limit / 1024 / 1024} MiB.`,
  });
}

function unreadable(): ApiError {
  return badRequest(
    null,
    'The request body could not be read: it broke off, or is not valid gzip.',
    'invalid_body',
  );
}

export interface JsonBody {
  value: unknown;
  /** Bytes received (compressed, when the client compressed them). */
  size: number;
}

/**
 * The bytes of a body, counted as they arrive, chunked or not, after gunzip when
 * `content-encoding: gzip`: reading stops at `limit`, so an oversized body (or a gzip bomb)
 * never sits in memory whole, whatever its `content-length` claimed. Read from node's request
 * itself: a WHATWG body stream in between cost more than the rest of the read. What is left
 * unread after a refusal is drained by the HTTP server once the answer is sent. A large body
 * holds room in this process's body budget until its answer ends (body-budget.ts): one that says
 * its size waits for it before a byte is read; one that does not (chunked, gzip) pauses once past
 * `FREE_BODY_BYTES` and waits for room for `limit`. Each waits at most once, holding nothing.
 */
export function readBytes(
  http: HttpBindings,
  limit: number = LIMITS.bodyBytes,
  budget: BodyBudget = bodyBudget(),
): Promise<{ bytes: Buffer; size: number }> {
  const { incoming, outgoing } = http;
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  const encoding = incoming.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity' && encoding !== 'gzip')
    return Promise.reject(
      new ApiError({
        status: 415,
        type: 'invalid_request_error',
        code: 'unsupported_content_encoding',
        param: 'content-encoding',
        message: `Unsupported content-encoding '${clip(encoding)}': send the body plain or gzip-compressed.`,
      }),
    );
  // A second read would wait for an end that already came: a bug, answered as a 500.
  if (incoming.readableDidRead) return Promise.reject(new Error('the request body was already read'));
  const gzip = encoding === 'gzip';
  if (!gzip && declared > FREE_BODY_BYTES)
    return holdRoom(budget, outgoing, declared).then(() => read(incoming, outgoing, limit, gzip));
  return read(incoming, outgoing, limit, gzip, budget);
}

/** Holds `bytes` of the budget until the answer ends (its response closes). */
async function holdRoom(budget: BodyBudget, outgoing: ServerResponse, bytes: number): Promise<void> {
  const ended = outgoing.closed ? Promise.resolve() : once(outgoing, 'close');
  const release = await budget.hold(bytes, ended);
  void ended.then(release, release);
}

/**
 * Reads the body, gunzipped when `gzip`. Once past `FREE_BODY_BYTES`, it pauses until `budget`
 * (absent when the body's room is held already) has room for `limit`.
 */
function read(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  limit: number,
  gzip: boolean,
  budget?: BodyBudget,
): Promise<{ bytes: Buffer; size: number }> {
  const gunzip = gzip ? createGunzip() : undefined;
  const source: Readable = gunzip ? incoming.pipe(gunzip) : incoming;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let length = 0;
    const onReceived = (chunk: Buffer) => (size += chunk.length);
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) return stop(tooLarge(limit));
      chunks.push(chunk);
      if (!budget || length <= FREE_BODY_BYTES) return;
      const room = holdRoom(budget, outgoing, limit);
      budget = undefined;
      source.pause();
      room.then(
        () => source.resume(),
        (error: ApiError) => stop(error),
      );
    };
    const onEnd = () => {
      cleanup();
      resolve({ bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length), size });
    };
    const onBroken = () => stop(unreadable());
    const onClose = () => {
      if (!incoming.readableEnded) stop(unreadable());
    };
    const stop = (error: ApiError) => {
      cleanup();
      if (gunzip) {
        incoming.unpipe(gunzip);
        gunzip.destroy();
      }
      incoming.pause();
      reject(error);
    };
    const cleanup = () => {
      incoming.off('data', onReceived);
      source.off('data', onData).off('end', onEnd).off('error', onBroken);
      incoming.off('error', onBroken).off('close', onClose);
    };
    incoming.on('data', onReceived);
    source.on('data', onData).on('end', onEnd).on('error', onBroken);
    incoming.on('error', onBroken).on('close', onClose);
  });
}

/**
 * The request body as JSON, or a 400 (413 when too large) saying why it is not. `optional`:
 * the route's body may be left out (the spec does not require it), and none reads as `{}`.
 */
export async function readJson(http: HttpBindings, options: { optional?: boolean } = {}): Promise<JsonBody> {
  const { bytes, size } = await readBytes(http);
  if (options.optional && bytes.length === 0) return { value: {}, size };
  return { value: parseJsonText(bytes.toString('utf8')), size };
}
