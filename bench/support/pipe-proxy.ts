/**
 * The baseline hop: a bare node:http proxy that pipes each request to the upstream and the
 * answer back, without parsing anything. Run as its own process:
 *   node bench/support/pipe-proxy.ts <port> <upstream origin>
 */
import { Agent, createServer, request } from 'node:http';

const [port = '0', target = ''] = process.argv.slice(2);
const upstream = new URL(target);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer((req, res) => {
  const forward = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on('error', () => res.destroy());
  req.pipe(forward);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : port}\n`);
});
