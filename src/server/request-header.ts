import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';

/**
 * A request header, read from what node's parser already made: names lower-cased, repeats
 * joined with `, ` (or, for headers that may appear once, such as `authorization`, the first
 * kept). `c.req.header` reads through @hono/node-server's WHATWG view, which checks and
 * lower-cases the name and checks the value again at every read: a proxied request reads ~19
 * headers (the `cf-aig-*` options among them), 2.1 µs that way against 0.4 here. `name` is
 * lower case.
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const value = c.env.incoming.headers[name];
  // Only set-cookie comes as an array, and no request reads it.
  return typeof value === 'string' ? value : undefined;
}

/** Whether the request asks to become a WebSocket (OpenAI's WebSocket mode). */
export function isWebSocketUpgrade(c: Context<AppEnv>): boolean {
  return requestHeader(c, 'upgrade')?.toLowerCase() === 'websocket';
}

/** The request's headers for readers of WHATWG `Headers.get` (optionsFromHeaders). */
export function requestHeaders(c: Context<AppEnv>): { get(name: string): string | null } {
  return { get: (name) => requestHeader(c, name) ?? null };
}
