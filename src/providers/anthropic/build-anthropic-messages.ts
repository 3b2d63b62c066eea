import type { ContentPart, Item } from '../../api/items.ts';
import { partsText } from '../chat-completions/chat-content.ts';
import { anthropicBlocks } from './anthropic-content.ts';
import type { AnthropicBlock, AnthropicTextBlock } from '../../api/anthropic-messages.ts';
import type { AnthropicMessage } from './anthropic-wire.ts';
import { decodeThinking } from './thinking-signature.ts';

export interface AnthropicConversation {
  system: AnthropicTextBlock[];
  messages: AnthropicMessage[];
  warnings: string[];
}

/** Tool ids must match `^[a-zA-Z0-9_-]+$`; ids from other upstreams are mapped onto that, the same way both sides. */
export function anthropicToolId(callId: string): string {
  return callId.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** A call's arguments as a tool_use block's input; undefined when they are not a JSON object. */
export function toolInputObject(args: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: no object either.
  }
  return undefined;
}

function toolInput(args: string, warnings: string[]): Record<string, unknown> {
  const input = toolInputObject(args);
  if (input) return input;
  warnings.push('input: a function_call whose arguments are not a JSON object was sent with empty input');
  return {};
}

function toolResult(callId: string, output: string | ContentPart[], warnings: string[]): AnthropicBlock {
  if (typeof output === 'string')
    return { type: 'tool_result', tool_use_id: anthropicToolId(callId), content: output };
  const content = anthropicBlocks(output).filter(
    (block): block is Extract<AnthropicBlock, { type: 'text' | 'image' }> => {
      if (block.type === 'text' || block.type === 'image') return true;
      warnings.push('input: a file in a tool output cannot be sent in a tool_result and was left out');
      return false;
    },
  );
  return { type: 'tool_result', tool_use_id: anthropicToolId(callId), content };
}

/**
 * Instructions and the item history as a Messages API conversation: system and developer
 * messages join the top-level system (in order), consecutive items of one role merge into one
 * message, calls become `tool_use` blocks and their outputs `tool_result` blocks in a user
 * message. With `keepThinking`, reasoning items that hold Anthropic thinking blocks are sent
 * back in place; other reasoning cannot be (it carries no Anthropic signature).
 */
export function buildAnthropicMessages(
  instructions: string | undefined,
  items: readonly Item[],
  keepThinking: boolean,
): AnthropicConversation {
  const system: AnthropicTextBlock[] = instructions ? [{ type: 'text', text: instructions }] : [];
  const messages: AnthropicMessage[] = [];
  const warnings: string[] = [];
  const add = (role: AnthropicMessage['role'], blocks: AnthropicBlock[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  for (const item of items) {
    switch (item.type) {
      case 'message':
        if (item.role === 'system' || item.role === 'developer') {
          const text = partsText(item.content);
          if (text) system.push({ type: 'text', text });
        } else add(item.role, anthropicBlocks(item.content));
        break;
      case 'function_call':
      case 'custom_tool_call':
        add('assistant', [
          {
            type: 'tool_use',
            id: anthropicToolId(item.call_id),
            name: item.name,
            // A custom tool is a one-argument function here, as in the request's tool list.
            input:
              item.type === 'function_call' ? toolInput(item.arguments, warnings) : { input: item.input },
          },
        ]);
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        add('user', [toolResult(item.call_id, item.output, warnings)]);
        break;
      case 'reasoning': {
        const blocks = keepThinking ? decodeThinking(item.encrypted_content) : undefined;
        if (blocks) add('assistant', blocks);
        break;
      }
      default:
        warnings.push(`input: a '${item.type}' item cannot be sent to Anthropic and was left out`);
    }
  }
  return { system, messages, warnings };
}
