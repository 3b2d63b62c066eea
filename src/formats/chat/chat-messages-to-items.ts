import type { ChatMessage } from '../../api/chat-completions.ts';
import { badRequest } from '../../api/errors.ts';
import type { ContentPart, InputItem } from '../../api/items.ts';
import type { InputOrigin } from '../input-origin.ts';

type UserPart = Extract<ChatMessage, { role: 'user' }>['content'][number];
type AssistantPart = NonNullable<Extract<ChatMessage, { role: 'assistant' }>['content']>[number];

/**
 * Chat messages as Responses input items: system and developer stay messages of their role,
 * assistant `tool_calls` become function_call items and tool messages function_call_output items.
 */
export function toInputItems(messages: readonly ChatMessage[]): {
  items: InputItem[];
  origins: InputOrigin[];
} {
  const items: InputItem[] = [];
  const origins: InputOrigin[] = [];
  const add = (item: InputItem, path: string, fields: Record<string, string> = {}) => {
    items.push(item);
    origins.push({ path, fields });
  };

  messages.forEach((message, m) => {
    const path = `messages[${m}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        add({ type: 'message', role: message.role, content: message.content.map(inputText) }, path);
        break;
      case 'user':
        add({ type: 'message', role: 'user', content: message.content.map(userPart) }, path);
        break;
      case 'assistant': {
        const content = assistantContent(message.content ?? [], message.refusal);
        const calls = message.tool_calls ?? [];
        if (message.content == null && !message.refusal && calls.length === 0)
          throw badRequest(
            `${path}.content`,
            `Invalid '${path}.content': an assistant message needs content or tool_calls.`,
            'invalid_value',
          );
        if (content.length > 0 || calls.length === 0)
          add({ type: 'message', role: 'assistant', content }, path);
        calls.forEach((call, c) =>
          add(
            {
              type: 'function_call',
              call_id: call.id,
              name: call.function.name,
              arguments: call.function.arguments,
            },
            `${path}.tool_calls[${c}]`,
            { call_id: 'id', name: 'function.name', arguments: 'function.arguments' },
          ),
        );
        break;
      }
      case 'tool':
        add(
          {
            type: 'function_call_output',
            call_id: message.tool_call_id,
            output: message.content.map((part) => part.text).join(''),
          },
          path,
          { call_id: 'tool_call_id', output: 'content' },
        );
        break;
    }
  });
  return { items, origins };
}

function inputText(part: { text: string }): ContentPart {
  return { type: 'input_text', text: part.text };
}

function userPart(part: UserPart): ContentPart {
  switch (part.type) {
    case 'text':
      return inputText(part);
    case 'image_url':
      return { type: 'input_image', image_url: part.image_url.url, detail: part.image_url.detail ?? 'auto' };
    case 'file':
      return {
        type: 'input_file',
        file_data: part.file.file_data,
        file_id: part.file.file_id,
        filename: part.file.filename,
      };
  }
}

/** Text alone is sent as a string, the form the Responses API documents for earlier answers. */
function assistantContent(
  parts: AssistantPart[],
  refusal: string | null | undefined,
): string | ContentPart[] {
  if (!refusal && parts.every((part) => part.type === 'text')) return parts.map((part) => part.text).join('');
  const content = parts.map((part): ContentPart =>
    part.type === 'text'
      ? { type: 'output_text', text: part.text, annotations: [], logprobs: [] }
      : { type: 'refusal', refusal: part.refusal },
  );
  if (refusal) content.push({ type: 'refusal', refusal });
  return content;
}
