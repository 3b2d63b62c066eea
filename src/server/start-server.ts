import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime.ts';
import { createApp } from './app.ts';

export interface ServerOptions extends RuntimeOptions {
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
        'Create one with `portico keys create --admin --name admin` (same --data-dir), then start again; ' +
        'or listen on 127.0.0.1.',
    );
  }
  const app = createApp(runtime, runtime.logger);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port ?? 8787, hostname: host }, () =>
      resolve(started),
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
