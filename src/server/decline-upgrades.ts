import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The headers that make an upgrade offer (h2c sends its settings along in `HTTP2-Settings`). */
const OFFER = new Set(['upgrade', 'http2-settings']);

/**
 * Answers a request that offers an upgrade other than WebSocket (`curl --http2` offers h2c on
 * every plain-HTTP request) as the HTTP/1.1 request it also is, as RFC 9110 (7.8) lets a server
 * do. Once the server has an `upgrade` listener (the WebSocket side's) node hands it every such
 * request, and @hono/node-server's ignores all but WebSocket: the request was never answered.
 * Its head is written again without the offer, in front of what the socket still holds (the
 * body), and the connection goes back to node's HTTP parser. WebSocket upgrades go on to the
 * listeners there were, from this one: @hono/node-server refuses one that no route takes only
 * while it hears of it from the server's sole `upgrade` listener.
 */
export function declineOtherUpgrades(server: Server): void {
  const webSockets = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket') {
      for (const listener of webSockets) listener.call(server, request, socket, head);
      return;
    }
    socket.unshift(Buffer.concat([requestHead(request), head]));
    server.emit('connection', socket);
  });
}

/** The request line and headers as received (node keeps them as latin1), less the offer. */
function requestHead(request: IncomingMessage): Buffer {
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    let value = raw[i + 1]!;
    if (OFFER.has(name.toLowerCase())) continue;
    if (name.toLowerCase() === 'connection') {
      const options = value.split(',').map((option) => option.trim());
      value = options.filter((option) => option && !OFFER.has(option.toLowerCase())).join(', ');
      if (!value) continue;
    }
    lines.push(`${name}: ${value}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
