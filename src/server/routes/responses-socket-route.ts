import type { MiddlewareHandler } from 'hono';
import type { GatewayCall } from '../../gateway/gateway-call.ts';
import { optionsFromHeaders } from '../../gateway/options-from-headers.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { ResponsesSocketSession, type RunTurn } from '../responses-socket.ts';
import { ANSWER_SENT } from '../send-answer.ts';
import { serveSocket } from '../serve-socket.ts';
import { admittedHandshake } from '../socket-handshake.ts';

/**
 * `GET /v1/responses` with `Upgrade: websocket`: OpenAI's WebSocket mode. The handshake passes
 * through the app's middleware like any request (authentication, gateway admission, origin
 * checks), which answers a refusal as it would a plain request's (UpgradeResponse); each turn
 * is a gateway call for the principal and gateway it admitted, as `POST /v1/responses` is.
 */
export function responsesSocketRoute(
  runtime: Runtime,
  lifetimeMs: number | undefined,
): MiddlewareHandler<AppEnv> {
  return async (c) => {
    const { outgoing, principal, gateway, headers, credentials } = admittedHandshake(
      c,
      'GET /v1/responses opens a WebSocket (Upgrade: websocket); create a response with POST.',
    );
    const run: RunTurn = (request, body, previousItems, signal) => {
      const warnings: string[] = [];
      const call: GatewayCall = {
        path: 'WS /v1/responses',
        credentials,
        gatewayId: gateway.id,
        options: optionsFromHeaders(headers, warnings),
        steps: [{ request, options: {} }],
        stream: true,
        modelFallbacks: true,
        signal,
        warnings,
        body,
        previousItems,
      };
      return runtime.gateway.run(call);
    };
    const log = { name: 'responses websocket', counted: 'responses', project: principal.project };
    await serveSocket(runtime, outgoing, log, (ends) => {
      return new ResponsesSocketSession(run, ends, lifetimeMs);
    });
    return ANSWER_SENT;
  };
}
