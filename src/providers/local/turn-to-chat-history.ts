import type { ChatHistoryItem } from 'node-llama-cpp';
import type { ContentPart, Item } from '../../api/items.ts';
import type { Turn } from '../provider.ts';

export interface ChatHistoryConversion {
  history: ChatHistoryItem[];
  /** What the model could not be shown, for the log. */
  warnings: string[];
}

type Speaker = 'system' | 'user' | 'model';

/** The text of content parts, concatenated; images and files are reported, not shown. */
function partsText(parts: readonly ContentPart[], warnings: string[]): string {
  let text = '';
  for (const part of parts) {
    if (part.type === 'input_text' || part.type === 'output_text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
    else warnings.push(`${part.type} content is not shown to local models`);
  }
  return text;
}

function toolOutputText(output: string | ContentPart[], warnings: string[]): string {
  return typeof output === 'string' ? output : partsText(output, warnings);
}

/** Who says an item, and what, or undefined for items a local model is not shown. */
function render(item: Item, warnings: string[]): { speaker: Speaker; text: string } | undefined {
  switch (item.type) {
    case 'message': {
      const speaker = item.role === 'assistant' ? 'model' : item.role === 'user' ? 'user' : 'system';
      return { speaker, text: partsText(item.content, warnings) };
    }
    // Tool traffic as readable text: local models are not offered tools natively.
    case 'function_call':
      return { speaker: 'model', text: `Function call ${item.name}(${item.arguments}) [${item.call_id}]` };
    case 'custom_tool_call':
      return { speaker: 'model', text: `Tool call ${item.name}: ${item.input} [${item.call_id}]` };
    case 'function_call_output':
    case 'custom_tool_call_output':
      return {
        speaker: 'user',
        text: `Output of call [${item.call_id}]: ${toolOutputText(item.output, warnings)}`,
      };
    case 'reasoning':
      return undefined; // another model's reasoning means nothing to this one
    default:
      warnings.push(`${item.type} items are not shown to local models`);
      return undefined;
  }
}

/** Adds a turn, merging it into the previous one when the same speaker talks twice in a row. */
function append(history: ChatHistoryItem[], speaker: Speaker, text: string): void {
  const last = history.at(-1);
  if (last?.type === 'model' && speaker === 'model') last.response.push('\n', text);
  else if (last?.type === 'user' && speaker === 'user') last.text += `\n\n${text}`;
  else if (last?.type === 'system' && speaker === 'system' && typeof last.text === 'string')
    last.text += `\n\n${text}`;
  else if (speaker === 'model') history.push({ type: 'model', response: [text] });
  else history.push({ type: speaker, text });
}

/**
 * A turn as node-llama-cpp's chat history: the instructions first as a system message,
 * system and developer messages as system, user messages as user, assistant messages and
 * tool calls as model responses, tool outputs as user messages; reasoning is dropped.
 */
export function turnToChatHistory(turn: Pick<Turn, 'instructions' | 'items'>): ChatHistoryConversion {
  const history: ChatHistoryItem[] = [];
  const warnings: string[] = [];
  if (turn.instructions) append(history, 'system', turn.instructions);
  for (const item of turn.items) {
    const rendered = render(item, warnings);
    if (rendered) append(history, rendered.speaker, rendered.text);
  }
  return { history, warnings };
}
