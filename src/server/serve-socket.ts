import { setTimeout as sleep } from 'node:timers/promises';
import type { RawData } from 'ws';
import { badRequest, type ApiError } from '../api/errors.ts';
import type { Logger } from '../logger.ts';
import type { WorkTracker } from '../work-tracker.ts';
import type { UpgradeResponse } from './upgrade-response.ts';

const OPEN = 1;
/** Bytes sent and not yet read past which an answer waits for its client to read. */
const UNREAD_HIGH_WATER = 1024 * 1024;
/** Bytes unread past which the connection ends (a client sending and never reading). */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/** What a session needs of one connection: sending a message's JSON text, waiting for the client to read, closing. */
export interface SocketEnds {
  send(text: string): void;
  /** Resolves once the client has read enough of what was sent; undefined when it has. */
  drained(): Promise<void> | undefined;
  close(code: number, reason: string): void;
}

/** One connection's protocol: the messages it receives, and what it does when the connection or the server ends. */
export interface SocketSession {
  /** Requests this connection has served so far, for the log. */
  readonly served: number;
  receive(text: string): void;
  /** The client went away. */
  closed(): void;
  /** The server is shutting down: answer what was received, then close. */
  drain(): Promise<void>;
}

/** Why a connection ends at its lifetime (`ms`), told to its client before it closes. */
export function lifetimeReached(ms: number, name: string): ApiError {
  const limit = ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} seconds`;
  return badRequest(
    null,
    `The ${name} connection limit (${limit}) was reached: open a new connection to continue.`,
    'websocket_connection_limit_reached',
  );
}

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
 * Completes a handshake the app admitted and serves the connection with `session`: what a
 * client leaves unread is bounded (an answer waits past UNREAD_HIGH_WATER, the connection ends
 * past MAX_UNREAD_BYTES), and at a shutdown the session answers what it received before the
 * connection closes, counted as running work until then. For the log: the connection's `name`,
 * what its session serves (`counted`: `responses`, `requests`) and its `project`.
 */
export async function serveSocket(
  parts: { work: WorkTracker; logger: Logger },
  outgoing: UpgradeResponse,
  log: { name: string; counted: string; project: string },
  session: (ends: SocketEnds) => SocketSession,
): Promise<void> {
  const { work, logger } = parts;
  const { name, counted, project } = log;
  await outgoing.accept((socket) => {
    const backlog = () => (socket.readyState === OPEN ? socket.bufferedAmount : 0);
    const served = session({
      send: (text: string) => {
        if (socket.readyState !== OPEN) return;
        if (backlog() > MAX_UNREAD_BYTES) return socket.close(1008, 'the client is not reading its messages');
        socket.send(text);
      },
      drained: () => (backlog() > UNREAD_HIGH_WATER ? untilRead(backlog) : undefined),
      close: (code: number, reason: string) => socket.close(code, reason),
    });
    const drain = () => {
      const leave = work.enter();
      void served.drain().finally(leave);
    };
    logger.info(`${name} opened`, { project });
    if (work.drainSignal.aborted) drain();
    else work.drainSignal.addEventListener('abort', drain, { once: true });
    socket.on('message', (data) => served.receive(messageText(data)));
    // A broken connection closes next ('close' follows); nothing else is to be done.
    socket.on('error', () => {});
    socket.on('close', () => {
      work.drainSignal.removeEventListener('abort', drain);
      served.closed();
      logger.info(`${name} closed`, { project, [counted]: served.served });
    });
  });
}
