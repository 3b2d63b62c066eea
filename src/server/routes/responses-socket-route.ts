import { upgradeWebSocket } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { ResponsesSocketSession } from '../responses-socket.ts';

const OPEN = 1;

/**
 * `GET /v1/responses` with `Upgrade: websocket`: OpenAI's WebSocket mode. The upgrade passes
 * through the app's middleware like any request (so authentication applies to it unchanged),
 * and the connection serves the project the request was authenticated for.
 */
export function responsesSocketRoute(
  runtime: Runtime,
  lifetimeMs: number | undefined,
): MiddlewareHandler<AppEnv> {
  return upgradeWebSocket((c) => {
    const owner = c.var.owner;
    let session: ResponsesSocketSession | undefined;
    return {
      onOpen(_event, ws) {
        const ends = {
          send: (message: object) => {
            if (ws.readyState === OPEN) ws.send(JSON.stringify(message));
          },
          close: (code: number, reason: string) => ws.close(code, reason),
        };
        session = new ResponsesSocketSession(runtime.engine(owner), ends, lifetimeMs);
        runtime.logger.info('responses websocket opened', { owner });
      },
      onMessage(event) {
        const data = event.data;
        session?.receive(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8'));
      },
      onClose() {
        session?.closed();
        runtime.logger.info('responses websocket closed', { owner, responses: session?.served ?? 0 });
      },
    };
  }) as MiddlewareHandler<AppEnv>;
}
