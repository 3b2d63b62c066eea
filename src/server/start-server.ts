import { serve, type ServerType, type WebSocketServerLike } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime.ts';
import { createApp, type AppOptions } from './app.ts';
import { MAX_BODY_BYTES } from './read-json.ts';

export interface ServerOptions extends RuntimeOptions, AppOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only, unless asked otherwise. */
  host?: string;
}

export interface RunningServer {
  url: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/** The WebSocket side of the server: upgrades are answered by the app's routes (see responses-socket-route.ts). */
export function socketServer(): WebSocketServerLike {
  // ws types `options.noServer` as optional-or-undefined; it is set, as node-server requires.
  return new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES }) as WebSocketServerLike;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const runtime = await createRuntime(options);
  const app = createApp(runtime, runtime.logger, options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve(
      {
        fetch: app.fetch,
        port: options.port ?? 8787,
        hostname: host,
        websocket: { server: socketServer() },
      },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    runtime,
    async close() {
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
      await runtime.close();
    },
  };
}
