import type { Context } from 'hono';
import type { ParsedStep } from '../formats/parse-step.ts';
import type { GatewayCall } from '../gateway/gateway-call.ts';
import { optionsFromHeaders } from '../gateway/options-from-headers.ts';
import type { AppEnv } from './app-env.ts';
import type { JsonBody } from './read-json.ts';
import { generationAbort } from './generation-abort.ts';
import { requestHeaders } from './request-header.ts';

/**
 * A gateway call for an HTTP request: its principal and admitted gateway, the `cf-aig-*`
 * headers as options, and an abort signal that fires when the client goes away (or the
 * answer stream is cancelled: call `abort`).
 */
export function httpCall(
  c: Context<AppEnv>,
  parsed: readonly ParsedStep[],
  body: JsonBody,
  extra: Partial<Pick<GatewayCall, 'modelFallbacks'>> = {},
): { call: GatewayCall; abort: () => void } {
  const warnings = parsed.flatMap((p) => p.warnings ?? []);
  const options = optionsFromHeaders(requestHeaders(c), warnings);
  const { signal, abort } = generationAbort(c.env.outgoing);
  return {
    call: {
      path: `${c.req.method} ${c.req.routePath}`,
      credentials: { kind: 'principal', principal: c.get('principal') },
      gatewayId: c.get('gateway').id,
      options,
      steps: parsed.map((p) => p.step),
      stream: parsed[0]?.stream === true,
      modelFallbacks: extra.modelFallbacks ?? true,
      signal,
      warnings,
      body: body.value,
      requestSize: body.size,
    },
    abort,
  };
}
