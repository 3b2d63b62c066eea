import type { TextConfig } from '../../api/request.ts';
import type { ChatResponseFormat } from './chat-wire.ts';

/** `text.format` as `response_format`; plain text needs none. */
export function chatResponseFormat(text: TextConfig): ChatResponseFormat | undefined {
  const format = text.format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      schema: format.schema,
      ...(format.description ? { description: format.description } : {}),
      ...(format.strict != null ? { strict: format.strict } : {}),
    },
  };
}
