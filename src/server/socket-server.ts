import type { WebSocketServerLike } from '@hono/node-server';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { LIMITS } from '../api/limits.ts';

type WsModule = typeof import('ws');

const NO_CLIENTS: ReadonlySet<WebSocket> = new Set();

let ws: WsModule | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads ws, once per process. The upgrade route awaits it before it accepts an upgrade
 * (responses-socket-route.ts), so that `SocketServer.handleUpgrade`, which @hono/node-server
 * calls synchronously once the route has accepted, finds it loaded.
 */
export function loadWebSockets(): Promise<void> {
  loading ??= import('ws').then((module) => {
    ws = module;
  });
  return loading;
}

/**
 * The server's WebSocket side (OpenAI's WebSocket mode), with `ws` loaded on the first upgrade
 * rather than at every start (~5 ms of a start's ~260), for a mode most servers never see
 * (`loadWebSockets`). The real server is made on the first upgrade. Events pass through:
 * @hono/node-server listens here for `connection` (which it emits itself) and `headers` (which
 * ws emits on the real server).
 */
export class SocketServer extends EventEmitter {
  readonly options = { noServer: true };
  #server: WebSocketServer | undefined;

  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    done: (client: WebSocket) => void,
  ): void {
    this.#server ??= this.#create();
    this.#server.handleUpgrade(request, socket, head, done);
  }

  #create(): WebSocketServer {
    if (!ws) throw new Error('a WebSocket upgrade was accepted before loadWebSockets() resolved');
    const server = new ws.WebSocketServer({ noServer: true, maxPayload: LIMITS.bodyBytes });
    server.on('headers', (headers: string[], request: IncomingMessage) =>
      this.emit('headers', headers, request),
    );
    return server;
  }

  /** The open WebSockets (none before the first upgrade). */
  get clients(): ReadonlySet<WebSocket> {
    return this.#server?.clients ?? NO_CLIENTS;
  }

  close(): void {
    this.#server?.close();
  }

  /** @hono/node-server's view of this server (its types for a socket differ from ws's, which it is handed). */
  serverLike(): WebSocketServerLike {
    return this as unknown as WebSocketServerLike;
  }
}
