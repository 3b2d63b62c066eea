import { inputParam, type InputOrigin } from '../input-origin.ts';

/**
 * A Responses parameter that an engine or provider error (or a warning) names, as the Messages
 * API client spelled it: `input[3].content[0]` as `messages[2].content[1]`, `max_output_tokens`
 * as `max_tokens`, `reasoning.effort` as `thinking`.
 */
export function messagesParam(param: string, origins: readonly InputOrigin[]): string {
  const input = inputParam(param, origins, 'messages');
  // A block names a file in its source: `{type: 'document', source: {type: 'file', file_id}}`.
  if (input !== undefined) return input.replace(/\.file_id$/, '.source.file_id');
  const tool = /^tools\[(\d+)\]\.parameters(.*)$/.exec(param);
  if (tool) return `tools[${tool[1]}].input_schema${tool[2]}`;
  if (param === 'reasoning' || param.startsWith('reasoning.')) return 'thinking';
  if (param === 'text' || param.startsWith('text.format')) return 'output_config.format';
  const renamed: Readonly<Record<string, string>> = {
    input: 'messages',
    instructions: 'system',
    max_output_tokens: 'max_tokens',
    stop: 'stop_sequences',
    user: 'metadata.user_id',
  };
  return renamed[param] ?? param;
}
