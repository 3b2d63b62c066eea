import { badRequest } from '../api/errors.ts';
import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import { requestHeader } from './request-header.ts';
import { setAnswerHeader } from './send-answer.ts';

/** A client's nonce: 16 bytes, base64 (RFC 6455, 4.1), as ws reads it. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * ws's own checks of a handshake, made first so that a handshake ws would refuse with a
 * plain-text 400 is refused in the API's error shape, as every other refusal is.
 */
export function checkWebSocketHandshake(c: Context<AppEnv>): void {
  if (!KEY.test(requestHeader(c, 'sec-websocket-key') ?? ''))
    throw badRequest(
      null,
      'A WebSocket handshake needs a Sec-WebSocket-Key header.',
      'invalid_websocket_handshake',
    );
  const version = requestHeader(c, 'sec-websocket-version');
  if (version !== '13' && version !== '8') {
    setAnswerHeader(c, 'sec-websocket-version', '13, 8');
    throw badRequest(
      null,
      'WebSocket versions 13 and 8 are spoken here (Sec-WebSocket-Version).',
      'invalid_websocket_handshake',
    );
  }
}
