import type { Context } from 'hono';
import { answerBody, warningInTerms } from '../../formats/answer-body.ts';
import { inMessageTerms } from '../../formats/universal-message.ts';
import { universalSteps } from '../../formats/universal-steps.ts';
import type { GatewayCall } from '../../gateway/gateway-call.ts';
import { optionsFromHeaders } from '../../gateway/options-from-headers.ts';
import type { Runtime } from '../../runtime.ts';
import type { AppEnv } from '../app-env.ts';
import { runUniversal } from '../run-universal.ts';
import { ANSWER_SENT } from '../send-answer.ts';
import { serveSocket } from '../serve-socket.ts';
import { admittedHandshake } from '../socket-handshake.ts';
import { UniversalSocketSession, type RunUniversalRequest } from '../universal-socket.ts';

/**
 * `GET /v1/{account}/{gateway}` with `Upgrade: websocket`: AI Gateway's WebSockets API,
 * non-realtime. The handshake is authenticated and admitted to the gateway in the path as the
 * HTTP universal endpoint's requests are (a refusal is answered as theirs); each request then
 * runs as a universal request of that principal on that gateway, with the handshake's
 * `cf-aig-*` headers as the request's and the key read again each time (one revoked while the
 * socket is open stops it).
 */
export function universalSocketRoute(runtime: Runtime, lifetimeMs: number | undefined) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const { outgoing, principal, gateway, headers, credentials } = admittedHandshake(
      c,
      'GET on a gateway opens a WebSocket (Upgrade: websocket) for the WebSockets API; send a universal request with POST.',
    );
    const path = `WS ${c.req.path}`;
    const run: RunUniversalRequest = async (steps, listed, signal) => {
      const cancel = new AbortController();
      const warnings: string[] = [];
      try {
        const parsed = universalSteps(steps, runtime.catalog, warnings);
        const call: GatewayCall = {
          path,
          credentials,
          gatewayId: gateway.id,
          options: optionsFromHeaders(headers, warnings),
          steps: parsed.map((p) => p.step),
          stream: parsed[0]?.stream === true,
          modelFallbacks: false,
          signal: AbortSignal.any([signal, cancel.signal]),
          warnings,
          body: steps,
        };
        const { answer, step } = await runUniversal(runtime.gateway, call, parsed);
        const body = await answerBody(step, answer.events, () => cancel.abort());
        const said = [...call.warnings, ...answer.warnings].map((w) => warningInTerms(step.format, w));
        return {
          metadata: {
            cacheStatus: answer.headers['cf-aig-cache-status'] ?? 'MISS',
            ...(answer.headers['cf-aig-log-id'] ? { logId: answer.headers['cf-aig-log-id'] } : {}),
            step: String(answer.step),
            contentType: 'json' in body ? 'application/json' : 'text/event-stream',
            ...(said.length > 0 ? { warnings: said } : {}),
          },
          body,
        };
      } catch (error) {
        throw inMessageTerms(error, listed);
      }
    };
    const log = { name: 'universal websocket', counted: 'requests', project: principal.project };
    await serveSocket(runtime, outgoing, log, (ends) => new UniversalSocketSession(run, ends, lifetimeMs));
    return ANSWER_SENT;
  };
}
