import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { LIMITS } from '../api/limits.ts';

type WsModule = typeof import('ws');

const NO_CLIENTS: ReadonlySet<WebSocket> = new Set();

let ws: WsModule | undefined;
let loading: Promise<void> | undefined;

/** Loads ws, once per process: an upgrade is accepted once it has (UpgradeResponse.accept). */
export function loadWebSockets(): Promise<void> {
  loading ??= import('ws').then((module) => {
    ws = module;
  });
  return loading;
}

/**
 * The server's WebSocket side (OpenAI's WebSocket mode), with `ws` loaded on the first upgrade
 * rather than at every start (~5 ms of a start's ~260), for a mode most servers never see
 * (`loadWebSockets`). The real server is made on the first upgrade.
 */
export class SocketServer {
  #server: WebSocketServer | undefined;

  /**
   * Completes a handshake the app accepted: the 101, with `headers` (lines `name: value`)
   * besides ws's own, then `open` with the WebSocket. Returns why ws refused it, where it did
   * (a missing or malformed `Sec-WebSocket-*` header): ws then wrote nothing, and the refusal is
   * the app's to answer. A socket already closed is dropped.
   */
  accept(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    headers: readonly string[],
    open: (client: WebSocket) => void,
  ): Error | undefined {
    const server = (this.#server ??= this.#create());
    let refusal: Error | undefined;
    const addHeaders = (lines: string[]) => lines.push(...headers);
    const refuse = (error: Error) => (refusal = error);
    // ws checks the handshake and writes the 101 synchronously: the listeners hear only this one.
    server.on('headers', addHeaders);
    server.on('wsClientError', refuse);
    try {
      server.handleUpgrade(request, socket, head, open);
    } finally {
      server.off('headers', addHeaders);
      server.off('wsClientError', refuse);
    }
    return refusal;
  }

  #create(): WebSocketServer {
    if (!ws) throw new Error('a WebSocket upgrade was accepted before loadWebSockets() resolved');
    return new ws.WebSocketServer({ noServer: true, maxPayload: LIMITS.bodyBytes });
  }

  /** The open WebSockets (none before the first upgrade). */
  get clients(): ReadonlySet<WebSocket> {
    return this.#server?.clients ?? NO_CLIENTS;
  }
}
