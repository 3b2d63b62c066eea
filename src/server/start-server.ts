import { getRequestListener, RequestError, serve, type ServerType } from '@hono/node-server';
import { createServer, type Server as HttpServer, type ServerOptions as HttpOptions } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import { badRequest, serverError } from '../api/errors.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime.ts';
import { answerClientError } from './answer-client-error.ts';
import { answerUpgrades } from './answer-upgrades.ts';
import { createApp, type AppOptions } from './app.ts';
import { ConnectionDrain } from './connection-drain.ts';
import { SocketServer } from './socket-server.ts';

export interface ServerOptions extends RuntimeOptions, AppOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only, unless asked otherwise. */
  host?: string;
}

export interface RunningServer {
  url: string;
  runtime: Runtime;
  /** Stops at once: connections are cut, running responses are recorded as cancelled. */
  close(): Promise<void>;
  /**
   * Stops gracefully (SIGTERM): no new connections, and each open one closes after the answer
   * it is serving (`connection: close`; a WebSocket after the messages it received); running
   * work gets up to `graceMs` to finish, and the stores close as soon as it has. Responses
   * still running then end as failed (`server_shutting_down`), with their records written.
   */
  shutdown(graceMs: number): Promise<void>;
}

/** How long running responses get to finish after the shutdown's grace period stopped them. */
const STOP_WAIT_MS = 5_000;
/** How long finished answers get to reach their clients before the last connections are cut. */
const FLUSH_MS = 2_000;

/**
 * A request @hono/node-server cannot make a URL of (a backslash in its path, a malformed Host),
 * refused before the app sees it: in the OpenAI error shape, where it would send a bare 400.
 */
function answerUnreadableRequest(error: unknown): Response {
  const refusal =
    error instanceof RequestError
      ? badRequest(null, 'The request target or its Host header is not a valid URL.', 'invalid_http')
      : serverError();
  return Response.json(refusal.toJSON(), { status: refusal.status, headers: { connection: 'close' } });
}

/** Whether a listen address is reachable from this machine only. */
function loopbackOnly(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Starts the HTTP server. Secure by default: beyond loopback it refuses to start until an
 * admin key exists, because a server without keys answers anyone as its admin.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const runtime = await createRuntime(options);
  if (!loopbackOnly(host) && !(await runtime.stores.keys.anyAdmin(Date.now()))) {
    await runtime.close();
    throw new Error(
      `refusing to listen on ${host} without an admin key: anyone who can reach it would be its admin. ` +
        'Create one with `portico keys create --admin --name admin` (with the same --data-dir or PORTICO_DATABASE_URL), then start again; ' +
        'or listen on 127.0.0.1.',
    );
  }
  const app = createApp(runtime, runtime.logger, options);
  // The WebSocket side: handshakes are answered by the app's routes (answer-upgrades.ts).
  const sockets = new SocketServer();
  // serve() would build this listener without the error handler.
  const listener = getRequestListener(app.fetch, { hostname: host, errorHandler: answerUnreadableRequest });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve(
      {
        fetch: app.fetch,
        port: options.port ?? 8787,
        hostname: host,
        // node:http's createServer, always called as (options, listener): with the listener above.
        createServer: ((options: HttpOptions) => createServer(options, listener)) as typeof createServer,
      },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  server.on('clientError', answerClientError);
  answerUpgrades(server as HttpServer, sockets);
  const connections = new ConnectionDrain(server as HttpServer);
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const closeServer = (cut: boolean) =>
    new Promise<void>((resolve) => {
      // Upgraded connections are no longer the HTTP server's. A draining WebSocket closes
      // itself once it has answered what it received (responses-socket-route.ts).
      if (cut) for (const socket of sockets.clients) socket.terminate();
      // Stop listening alone: the open connections are the drain's to close, as their answers end.
      if (cut) server.close(() => resolve());
      else NetServer.prototype.close.call(server, () => resolve());
      if (cut && 'closeAllConnections' in server) server.closeAllConnections();
    });
  return {
    url: `http://${shownHost}:${port}`,
    runtime,
    async close() {
      await closeServer(true);
      await runtime.close();
    },
    async shutdown(graceMs) {
      runtime.work.drain();
      connections.drain();
      const closed = closeServer(false);
      runtime.logger.info('shutdown: draining', { running: runtime.work.active });
      if (!(await runtime.work.idle(graceMs))) {
        runtime.logger.warn('shutdown: stopping work still running', { count: runtime.work.active });
        runtime.work.stop();
        await runtime.work.idle(STOP_WAIT_MS);
      }
      // The last bytes of finished answers may still be on their way: close connections as they go
      // idle, and cut what is left after a moment (clients that stopped reading, connections
      // that never sent a request, WebSockets whose clients did not answer the close).
      const flushed = Date.now() + FLUSH_MS;
      let done = false;
      void closed.then(() => (done = true));
      while (!done && Date.now() < flushed) {
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      if ('closeAllConnections' in server) server.closeAllConnections();
      for (const socket of sockets.clients) socket.terminate();
      await closed;
      await runtime.close();
    },
  };
}
