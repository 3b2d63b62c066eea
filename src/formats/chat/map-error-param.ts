import type { ChatCompletionRequest } from '../../api/chat-completions.ts';
import { inputParam, renameErrorParam, type InputOrigin } from '../input-origin.ts';

/**
 * An engine or provider error names Responses parameters (`input[3].content[0]`,
 * `text.format.schema`, `max_output_tokens`); the chat client gets the parameter it sent.
 */
export function toChatError(
  error: unknown,
  chat: ChatCompletionRequest,
  origins: readonly InputOrigin[],
): unknown {
  return renameErrorParam(error, (param) => chatParam(param, chat, origins));
}

export function chatParam(
  param: string,
  chat: ChatCompletionRequest,
  origins: readonly InputOrigin[],
): string {
  const input = inputParam(param, origins, 'messages');
  // A chat file part holds its id one level down: `{type: 'file', file: {file_id}}`.
  if (input !== undefined) return input.replace(/(\.content\[\d+\])\.file_id$/, '$1.file.file_id');
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
