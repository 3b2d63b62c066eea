import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from '../api/errors.ts';
import { errorBody } from './error-body.ts';

/** node's parse errors carry the bytes they failed in; a request that arrived at once begins with its request line. */
type ClientError = Error & { code?: string; rawPacket?: Buffer };

/** `METHOD target HTTP/1.x`, the target in origin form (`/v1/messages?x`) or absolute form. */
const REQUEST_LINE = /^[A-Z]+ (\S+) HTTP\/1\.[01]\r?\n/;

/**
 * The path of the refused request, where its request line is readable: node keeps only the
 * chunk it failed in, so a request whose head came in several pieces has none.
 */
function refusedPath(error: ClientError): string {
  const target = REQUEST_LINE.exec(error.rawPacket?.toString('latin1', 0, 8192) ?? '')?.[1];
  if (!target) return '';
  try {
    return new URL(target, 'http://portico').pathname;
  } catch {
    return '';
  }
}

/**
 * A request node:http refuses before any route sees it (headers past its 16 KB, a malformed
 * request line, a request too slow to arrive), answered in the error shape of the API its path
 * belongs to (OpenAI's where the path cannot be read), where node would send a bare status line.
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request line and headers are larger than 16 KB.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request did not arrive in time.']
        : [400, 'invalid_http', 'The request is not valid HTTP/1.1.'];
  const refusal = new ApiError({ status, type: 'invalid_request_error', code, message });
  const body = JSON.stringify(errorBody(refusedPath(error), refusal));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
