import type {
  AnthropicBlock,
  AnthropicMessageParam,
  AnthropicReasoningBlock,
} from '../../api/anthropic-messages.ts';
import { badRequest } from '../../api/errors.ts';
import type { ContentPart, InputItem } from '../../api/items.ts';
import type { InputOrigin } from '../input-origin.ts';
import { blockParts } from './anthropic-block-parts.ts';
import { reasoningItem } from './thinking-blocks.ts';

const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result']);
const ASSISTANT_BLOCKS = new Set(['text', 'tool_use', 'thinking', 'redacted_thinking']);

/**
 * Messages as Responses input items, in order: a message's text, images and documents are one
 * message item (a run of them, between calls and results), `tool_use` blocks function_call
 * items, `tool_result` blocks function_call_output items, and consecutive thinking blocks one
 * reasoning item. A system message stays a message of its role.
 */
export function messagesToItems(
  messages: readonly AnthropicMessageParam[],
  warnings: string[],
): { items: InputItem[]; origins: InputOrigin[] } {
  const items: InputItem[] = [];
  const origins: InputOrigin[] = [];
  const add = (item: InputItem, origin: InputOrigin) => {
    items.push(item);
    origins.push(origin);
  };

  messages.forEach((message, m) => {
    const path = `messages[${m}]`;
    const allowed = message.role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
    let parts: ContentPart[] = [];
    let partBlocks: number[] = [];
    let thinking: AnthropicReasoningBlock[] = [];
    let thinkingAt = 0;
    const flush = () => {
      if (parts.length > 0)
        add({ type: 'message', role: message.role, content: parts }, { path, fields: {}, parts: partBlocks });
      if (thinking.length > 0)
        add(reasoningItem(thinking), { path: `${path}.content[${thinkingAt}]`, fields: {} });
      parts = [];
      partBlocks = [];
      thinking = [];
    };

    message.content.forEach((block: AnthropicBlock, b) => {
      const at = `${path}.content[${b}]`;
      if (message.role !== 'system' && !allowed.has(block.type))
        throw badRequest(
          `${at}.type`,
          `Invalid '${at}.type': a ${message.role} message cannot hold a '${block.type}' block.`,
          'invalid_value',
        );
      switch (block.type) {
        case 'thinking':
        case 'redacted_thinking':
          if (parts.length > 0) flush();
          if (thinking.length === 0) thinkingAt = b;
          thinking.push(block);
          return;
        case 'tool_use':
          flush();
          add(
            {
              type: 'function_call',
              call_id: block.id,
              name: block.name,
              arguments: JSON.stringify(block.input),
            },
            { path: at, fields: { call_id: 'id', arguments: 'input' } },
          );
          return;
        case 'tool_result':
          flush();
          if (block.is_error)
            warnings.push(
              `${at}.is_error: a Responses tool output has no error flag; its content was sent as it is`,
            );
          add(
            {
              type: 'function_call_output',
              call_id: block.tool_use_id,
              output:
                typeof block.content === 'string' || block.content == null
                  ? (block.content ?? '')
                  : block.content.flatMap((inner, i) => blockParts(inner, `${at}.content[${i}]`, warnings)),
            },
            { path: at, fields: { call_id: 'tool_use_id', output: 'content' } },
          );
          return;
        default: {
          if (thinking.length > 0) flush();
          const produced =
            message.role === 'assistant' && block.type === 'text'
              ? [{ type: 'output_text' as const, text: block.text, annotations: [], logprobs: [] }]
              : blockParts(block, at, warnings);
          parts.push(...produced);
          partBlocks.push(...produced.map(() => b));
        }
      }
    });
    flush();
  });
  return { items, origins };
}
