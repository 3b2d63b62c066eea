import { setTimeout as sleep } from 'node:timers/promises';
import type { MiddlewareHandler } from 'hono';
import type { RawData } from 'ws';
import { ApiError } from '../../api/errors.ts';
import { queuedCaller, type GatewayCall } from '../../gateway/gateway-call.ts';
import { optionsFromHeaders } from '../../gateway/options-from-headers.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { requestHeaders } from '../request-header.ts';
import { ResponsesSocketSession, type RunTurn } from '../responses-socket.ts';
import { ANSWER_SENT } from '../send-answer.ts';
import { UpgradeResponse } from '../upgrade-response.ts';

const OPEN = 1;
/** Bytes sent and not yet read past which a response waits for its client to read. */
const UNREAD_HIGH_WATER = 1024 * 1024;
/** Bytes unread past which the connection ends (a client sending and never reading). */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/** Resolves once fewer than UNREAD_HIGH_WATER bytes wait unread, or the socket closed (`backlog` 0). */
async function untilRead(backlog: () => number): Promise<void> {
  while (backlog() > UNREAD_HIGH_WATER) await sleep(10);
}

/** A message's text: ws gives a Buffer, or its fragments (text and binary frames alike are read as UTF-8). */
function messageText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}

/**
 * `GET /v1/responses` with `Upgrade: websocket`: OpenAI's WebSocket mode. The handshake passes
 * through the app's middleware like any request (authentication, gateway admission, origin
 * checks), which answers a refusal as it would a plain request's (UpgradeResponse); each turn
 * is a gateway call for the principal and gateway it admitted, as `POST /v1/responses` is.
 */
export function responsesSocketRoute(
  runtime: Runtime,
  lifetimeMs: number | undefined,
): MiddlewareHandler<AppEnv> {
  return async (c) => {
    const outgoing: unknown = c.env.outgoing;
    // A plain GET (not a handshake: answer-upgrades.ts) is told what this path takes, instead of a 404.
    if (!(outgoing instanceof UpgradeResponse)) throw upgradeRequired();
    const { principal, gateway } = c.var;
    const headers = requestHeaders(c);
    // Each turn reads the key again: one revoked or expired while the socket is open stops it.
    const credentials = {
      kind: 'queued' as const,
      project: principal.project,
      caller: queuedCaller(principal),
    };
    const run: RunTurn = (request, body, previousItems, signal) => {
      const warnings: string[] = [];
      const call: GatewayCall = {
        path: 'WS /v1/responses',
        credentials,
        gatewayId: gateway.id,
        options: optionsFromHeaders(headers, warnings),
        steps: [{ request, options: {} }],
        stream: true,
        modelFallbacks: true,
        signal,
        warnings,
        body,
        previousItems,
      };
      return runtime.gateway.run(call);
    };
    const { work } = runtime;
    await outgoing.accept((socket) => {
      const backlog = () => (socket.readyState === OPEN ? socket.bufferedAmount : 0);
      const ends = {
        send: (text: string) => {
          if (socket.readyState !== OPEN) return;
          // What a client leaves unread is bounded: past it, the connection ends.
          if (backlog() > MAX_UNREAD_BYTES)
            return socket.close(1008, 'the client is not reading its messages');
          socket.send(text);
        },
        drained: () => (backlog() > UNREAD_HIGH_WATER ? untilRead(backlog) : undefined),
        close: (code: number, reason: string) => socket.close(code, reason),
      };
      const session = new ResponsesSocketSession(run, ends, lifetimeMs);
      // At a shutdown the connection answers what it received, then closes; until then it is running work.
      const drain = () => {
        const leave = work.enter();
        void session.drain().finally(leave);
      };
      runtime.logger.info('responses websocket opened', { project: principal.project });
      if (work.drainSignal.aborted) drain();
      else work.drainSignal.addEventListener('abort', drain, { once: true });
      socket.on('message', (data) => session.receive(messageText(data)));
      // A broken connection closes next ('close' follows); nothing else is to be done.
      socket.on('error', () => {});
      socket.on('close', () => {
        work.drainSignal.removeEventListener('abort', drain);
        session.closed();
        runtime.logger.info('responses websocket closed', {
          project: principal.project,
          responses: session.served,
        });
      });
    });
    return ANSWER_SENT;
  };
}

function upgradeRequired(): ApiError {
  return new ApiError({
    status: 426,
    type: 'invalid_request_error',
    code: 'upgrade_required',
    message: 'GET /v1/responses opens a WebSocket (Upgrade: websocket); create a response with POST.',
  });
}
