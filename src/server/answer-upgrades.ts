import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { declineUpgrade } from './decline-upgrade.ts';
import type { SocketServer } from './socket-server.ts';
import { UpgradeResponse } from './upgrade-response.ts';

/** A WebSocket handshake: a GET that offers `websocket` (RFC 6455, 4.1). */
function isWebSocketHandshake(request: IncomingMessage): boolean {
  return request.method === 'GET' && request.headers.upgrade?.toLowerCase() === 'websocket';
}

/**
 * Calls `go` once the answers node still owes on this connection are written: a client may
 * send the upgrade right behind other requests (pipelining), and node hands it over while their
 * answers are on their way, each holding the socket (`_httpMessage`) until it is written.
 */
function afterAnswersOwed(socket: Duplex, go: () => void): void {
  const owed = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable) return void socket.destroy();
  if (!owed) return go();
  // node passes the socket on to the next answer owed from its own 'finish' listener, which runs first.
  owed.once('finish', () => afterAnswersOwed(socket, go));
}

/**
 * The server's one `upgrade` listener. A WebSocket handshake is answered by the app like any
 * request, on an answer bound to its socket (UpgradeResponse): the route that takes WebSockets
 * accepts it, and any other answer (a refusal, or a route that takes none answering the GET it
 * also is) is written with its body, then the connection closes. Any other offer (h2c from
 * `curl --http2`, `websocket` on a POST) is declined: the request is answered over HTTP/1.1.
 */
export function answerUpgrades(server: Server, sockets: SocketServer): void {
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node stopped watching the socket when it handed it over; what takes it on watches it next.
    const failed = () => socket.destroy();
    socket.on('error', failed);
    afterAnswersOwed(socket, () => {
      socket.off('error', failed);
      if (!isWebSocketHandshake(request)) return declineUpgrade(server, request, socket, head);
      server.emit('request', request, new UpgradeResponse(request, socket, head, sockets));
    });
  });
}
