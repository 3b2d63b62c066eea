import type { ChatCompletionRequest } from '../../api/chat-completions.ts';
import { ApiError } from '../../api/errors.ts';
import type { InputOrigin } from './chat-messages-to-items.ts';

/**
 * An engine or provider error names Responses parameters (`input[3].content[0]`,
 * `text.format.schema`, `max_output_tokens`); the chat client gets the parameter it sent.
 */
export function toChatError(
  error: unknown,
  chat: ChatCompletionRequest,
  origins: readonly InputOrigin[],
): unknown {
  if (!(error instanceof ApiError) || error.param === null) return error;
  const param = chatParam(error.param, chat, origins);
  if (param === error.param) return error;
  return new ApiError({
    status: error.status,
    type: error.type,
    code: error.code,
    param,
    message: error.message,
    retryable: error.retryable,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
  });
}

export function chatParam(
  param: string,
  chat: ChatCompletionRequest,
  origins: readonly InputOrigin[],
): string {
  const input = /^input\[(\d+)\](?:\.([a-z_]+))?(.*)$/.exec(param);
  if (input) {
    const origin = origins[Number(input[1])];
    if (!origin) return 'messages';
    const field = input[2] ? `.${origin.fields[input[2]] ?? input[2]}` : '';
    return `${origin.path}${field}${input[3] ?? ''}`;
  }
  const tool = /^tools\[(\d+)\]\.(.+)$/.exec(param);
  if (tool) return `tools[${tool[1]}].function.${tool[2]}`;
  if (param === 'tool_choice.name') return 'tool_choice.function.name';
  if (param === 'text.verbosity') return 'verbosity';
  if (param === 'text' || param === 'text.format') return 'response_format';
  if (param.startsWith('text.format.')) {
    const field = param.slice('text.format.'.length);
    return field === 'type' ? 'response_format.type' : `response_format.json_schema.${field}`;
  }
  if (param === 'reasoning' || param.startsWith('reasoning.')) return 'reasoning_effort';
  if (param === 'max_output_tokens') return chat.max_tokens != null ? 'max_tokens' : 'max_completion_tokens';
  if (param === 'input') return 'messages';
  return param;
}
