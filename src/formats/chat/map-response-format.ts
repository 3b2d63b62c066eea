import type { ChatResponseFormat } from '../../api/chat-completions.ts';
import type { TextConfig } from '../../api/request.ts';

/** `response_format` and `verbosity` as the Responses `text` setting. */
export function toTextConfig(
  format: ChatResponseFormat | null | undefined,
  verbosity: TextConfig['verbosity'],
): TextConfig | undefined {
  if (format == null && verbosity == null) return undefined;
  return { format: format == null ? undefined : toTextFormat(format), verbosity };
}

function toTextFormat(format: ChatResponseFormat): NonNullable<TextConfig['format']> {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, description, schema, strict } = format.json_schema;
  return { type: 'json_schema', name, description, schema, strict };
}
