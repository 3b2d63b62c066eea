import { z } from 'zod';
import type { OutputFunctionCall, ResponseObject } from '../../api/response.ts';
import type { ResponseStreamEvent } from '../../api/stream-events.ts';
import { toApiError } from '../../api/errors.ts';
import { failedResponseError } from '../failed-response-error.ts';

/** Workers AI's usage object: chat-style token counts. */
export function runUsage(response: ResponseObject) {
  const usage = response.usage;
  return {
    prompt_tokens: usage?.input_tokens ?? 0,
    completion_tokens: usage?.output_tokens ?? 0,
    total_tokens: usage?.total_tokens ?? 0,
  };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toolCalls(response: ResponseObject) {
  return response.output
    .filter((item): item is OutputFunctionCall => item.type === 'function_call')
    .map((call) => ({ name: call.name, arguments: parseArguments(call.arguments) }));
}

/** A text generation model's result for `prompt` / `messages` input. */
export const RunTextResult = z.object({
  response: z.string(),
  tool_calls: z.array(z.object({ name: z.string(), arguments: z.unknown() })).optional(),
  usage: z.object({ prompt_tokens: z.int(), completion_tokens: z.int(), total_tokens: z.int() }),
});

/**
 * A text generation model's result: `{response, tool_calls?, usage}`; a response that failed
 * is the error it failed with, as the streamed form ends with it.
 */
export function toRunResult(response: ResponseObject): z.output<typeof RunTextResult> {
  if (response.status === 'failed') throw failedResponseError(response);
  const calls = toolCalls(response);
  return {
    response: response.output_text ?? '',
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
    usage: runUsage(response),
  };
}

function frame(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/**
 * Workers AI's native stream: `data: {"response": "..."}` per text delta, a last chunk with the
 * tool calls and usage, then `data: [DONE]`; a failure ends it with the error and no `[DONE]`.
 */
export async function* runFrames(
  events: AsyncGenerator<ResponseStreamEvent, void, undefined>,
): AsyncGenerator<string, void, undefined> {
  try {
    for await (const event of events) {
      if (event.type === 'response.output_text.delta') yield frame({ response: event.delta });
      else if (event.type === 'response.completed' || event.type === 'response.incomplete') {
        const calls = toolCalls(event.response);
        yield frame({
          response: '',
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
          usage: runUsage(event.response),
        });
      } else if (event.type === 'response.failed') {
        yield frame({
          errors: [{ code: 500, message: event.response.error?.message ?? 'The response failed.' }],
        });
        return;
      }
    }
    yield frame('[DONE]');
  } catch (error) {
    const apiError = toApiError(error);
    yield frame({ errors: [{ code: apiError.status, message: apiError.message }] });
  } finally {
    await events.return(undefined);
  }
}
