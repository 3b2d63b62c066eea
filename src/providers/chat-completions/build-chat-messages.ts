import type { ContentPart, Item } from '../../api/items.ts';
import { chatUserContent, hasMedia, partsText } from './chat-content.ts';
import type { ChatMessage } from './chat-wire.ts';
import { encodeCustomToolInput } from '../http/custom-tool-input.ts';
import type { ChatPreset } from './presets.ts';

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function toolOutputText(output: string | ContentPart[], warnings: string[]): string {
  if (typeof output === 'string') return output;
  if (hasMedia(output))
    warnings.push(
      'input: images and files in a tool output cannot be sent in a tool message and were left out',
    );
  return partsText(output);
}

/**
 * Instructions and the item history as Chat Completions messages. An assistant's text and the
 * tool calls that follow it become one assistant message with `tool_calls`; each call output
 * a `tool` message. Reasoning items are not sent: the protocol has no field for them.
 */
export function buildChatMessages(
  instructions: string | undefined,
  items: readonly Item[],
  preset: ChatPreset,
): { messages: ChatMessage[]; warnings: string[] } {
  const messages: ChatMessage[] = [];
  const warnings: string[] = [];
  if (instructions) messages.push({ role: preset.instructionsRole, content: instructions });

  let assistant: AssistantMessage | undefined;
  const flush = (): void => {
    // An assistant turn that carried only reasoning has nothing the protocol can hold.
    if (assistant && (assistant.content !== null || assistant.refusal || assistant.tool_calls))
      messages.push(assistant);
    assistant = undefined;
  };
  const openAssistant = (): AssistantMessage => (assistant ??= { role: 'assistant', content: null });

  for (const item of items) {
    switch (item.type) {
      case 'message': {
        if (item.role === 'assistant') {
          if (assistant?.tool_calls) flush(); // text after calls starts the next assistant message
          const message = openAssistant();
          const text = partsText(item.content.filter((part) => part.type !== 'refusal'));
          const refusal = partsText(item.content.filter((part) => part.type === 'refusal'));
          if (text) message.content = (message.content ?? '') + text;
          if (refusal) message.refusal = (message.refusal ?? '') + refusal;
          break;
        }
        flush();
        if (item.role === 'user') messages.push({ role: 'user', content: chatUserContent(item.content) });
        else {
          const role = item.role === 'developer' && preset.supportsDeveloperRole ? 'developer' : 'system';
          messages.push({ role, content: partsText(item.content) });
        }
        break;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const message = openAssistant();
        const args = item.type === 'function_call' ? item.arguments : encodeCustomToolInput(item.input);
        (message.tool_calls ??= []).push({
          id: item.call_id,
          type: 'function',
          function: { name: item.name, arguments: args },
        });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output':
        flush();
        messages.push({
          role: 'tool',
          tool_call_id: item.call_id,
          content: toolOutputText(item.output, warnings),
        });
        break;
      case 'reasoning':
        break;
      default:
        warnings.push(`input: a '${item.type}' item cannot be sent to this upstream and was left out`);
    }
  }
  flush();
  return { messages, warnings };
}
