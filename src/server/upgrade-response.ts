import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { ApiError, badRequest } from '../api/errors.ts';
import { loadWebSockets, type SocketServer } from './socket-server.ts';

/** Headers of the app's answer that belong to HTTP's own answer or to ws's 101, not to the app's. */
const NOT_FOR_101 =
  /^(connection|content-length|content-type|keep-alive|transfer-encoding|upgrade|sec-websocket-.*)$/;

/**
 * The answer to a WebSocket handshake, bound to the upgrade's own socket: the app answers a
 * handshake as it answers any request, so a refusal (no key, an origin not allowed, a route
 * that takes no upgrade) leaves with its status, headers and body, as the same refusal of a
 * plain request would, and the connection then closes (node no longer reads HTTP from it). The
 * route that takes the upgrade (responses-socket-route.ts) calls `accept` instead, which hands
 * the socket to ws.
 */
export class UpgradeResponse extends ServerResponse {
  readonly #request: IncomingMessage;
  readonly #socket: Duplex;
  readonly #head: Buffer;
  readonly #sockets: SocketServer;
  readonly #failed = () => this.#socket.destroy();

  constructor(request: IncomingMessage, socket: Duplex, head: Buffer, sockets: SocketServer) {
    super(request);
    this.#request = request;
    this.#socket = socket;
    this.#head = head;
    this.#sockets = sockets;
    this.shouldKeepAlive = false;
    // Until ws takes the socket, an error on it ends it (node no longer watches it).
    socket.on('error', this.#failed);
    this.assignSocket(socket as Socket);
    // The socket's close is this answer's 'close', as for any answer (ConnectionDrain, hono wait for it).
    this.once('finish', () => {
      // What the client still sends is read and dropped, so that closing sends no reset ahead of the answer.
      socket.resume();
      socket.end(() => socket.destroy());
    });
  }

  /**
   * Completes the handshake (a 101 with the headers the app set so far, `x-request-id` among
   * them) and hands the connection to ws; `open` gets the WebSocket. The app must then write
   * nothing more (its handler returns `ANSWER_SENT`). Throws the refusal of a handshake ws
   * cannot complete, for the app to answer in its own shape rather than ws's plain text.
   */
  async accept(open: (socket: WebSocket) => void): Promise<void> {
    const headers = Object.entries(this.getHeaders())
      .filter(([name]) => !NOT_FOR_101.test(name))
      .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`);
    await loadWebSockets();
    const socket = this.#socket;
    const refusal = this.#sockets.accept(this.#request, socket, this.#head, headers, (client) => {
      this.detachSocket(socket as Socket);
      // The answer is the WebSocket now: it is over when the connection closes.
      socket.once('close', () => this.emit('close'));
      // ws watches the socket from here on.
      socket.off('error', this.#failed);
      open(client);
    });
    if (!refusal) return;
    // The versions ws speaks, which a client refused for its own needs to hear (RFC 6455, 4.4).
    this.setHeader('sec-websocket-version', '13, 8');
    throw badRequest(null, `${refusal.message}.`, 'invalid_websocket_handshake');
  }
}

/** The answer to a plain GET (no handshake) of a path that opens a WebSocket: 426, saying what to do instead. */
export function upgradeRequired(message: string): ApiError {
  return new ApiError({ status: 426, type: 'invalid_request_error', code: 'upgrade_required', message });
}
