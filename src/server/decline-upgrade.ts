import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** The headers that make an upgrade offer (h2c sends its settings along in `HTTP2-Settings`). */
const OFFER = new Set(['upgrade', 'http2-settings']);

/**
 * Answers a request that offers an upgrade as the HTTP/1.1 request it also is, as RFC 9110
 * (7.8) lets a server do: node hands every such request to the server's `upgrade` listener
 * (answer-upgrades.ts), and would otherwise never answer it. Its head is written again without
 * the offer, in front of what the socket still holds (the body), and the connection goes back
 * to node's HTTP parser.
 */
export function declineUpgrade(server: Server, request: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.unshift(Buffer.concat([requestHead(request), head]));
  server.emit('connection', socket);
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
