import type { ParsedStep } from '../formats/parse-step.ts';
import { stepError } from '../formats/parse-step.ts';
import type { Gateway } from '../gateway/create-gateway.ts';
import type { GatewayAnswer, GatewayCall } from '../gateway/gateway-call.ts';

/**
 * A universal request's steps through the gateway, tried in order: the answer and the step
 * that gave it (whose format it goes back in), or the last step's failure in its format's
 * terms. The HTTP universal endpoint and the WebSockets API both run their requests here.
 */
export async function runUniversal(
  gateway: Gateway,
  call: GatewayCall,
  parsed: readonly ParsedStep[],
): Promise<{ answer: GatewayAnswer; step: ParsedStep }> {
  const answer = await gateway.run(call).catch((error: unknown) => {
    throw stepError(parsed[parsed.length - 1]!.format, error);
  });
  return { answer, step: parsed[answer.step]! };
}
