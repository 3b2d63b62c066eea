import type { Context } from 'hono';
import { warningsHeader } from '../api/warnings-header.ts';
import { answerBody, warningInTerms } from '../formats/answer-body.ts';
import type { ParsedStep } from '../formats/parse-step.ts';
import type { GatewayAnswer, GatewayCall } from '../gateway/gateway-call.ts';
import type { AppEnv } from './app-env.ts';
import { sendEventStream, sendJson } from './send-answer.ts';

/** The HTTP answer: the step's format, with the gateway's headers and the warnings. */
export async function renderAnswer(
  c: Context<AppEnv>,
  parsed: ParsedStep,
  call: GatewayCall,
  answer: GatewayAnswer,
  abort: () => void,
  /** Another answer to the same call (Chat Completions' further `n` choices). */
  more?: () => Promise<GatewayAnswer>,
): Promise<Response> {
  const warnings = [...call.warnings, ...answer.warnings].map((w) => warningInTerms(parsed.format, w));
  const headers = { ...answer.headers, ...warningsHeader(warnings) };
  const body = await answerBody(parsed, answer.events, abort, more);
  return 'json' in body ? sendJson(c, body.json, 200, headers) : sendEventStream(c, body.stream, headers);
}
