import type { ChatHistoryItem, ChatModelFunctionCall } from 'node-llama-cpp';
import type { ContentPart, Item } from '../../api/items.ts';
import type { Turn } from '../provider.ts';
import { ToolHistory } from './tool-history.ts';

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

type Rendered = { speaker: Speaker; text: string } | { speaker: 'model'; call: ChatModelFunctionCall };

/** Who says an item, and what, or undefined for items a local model is not shown. */
function render(item: Item, tools: ToolHistory, warnings: string[]): Rendered | undefined {
  switch (item.type) {
    case 'message': {
      const speaker = item.role === 'assistant' ? 'model' : item.role === 'user' ? 'user' : 'system';
      return { speaker, text: partsText(item.content, warnings) };
    }
    case 'function_call':
    case 'custom_tool_call': {
      const call = tools.functionCall(item, (output) => toolOutputText(output.output, warnings));
      if (call) return { speaker: 'model', call };
      const text =
        item.type === 'function_call'
          ? `Function call ${item.name}(${item.arguments}) [${item.call_id}]`
          : `Tool call ${item.name}: ${item.input} [${item.call_id}]`;
      return { speaker: 'model', text };
    }
    case 'function_call_output':
    case 'custom_tool_call_output':
      if (tools.isPaired(item)) return undefined; // shown as the result of its call
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
function append(history: ChatHistoryItem[], rendered: Rendered): void {
  const last = history.at(-1);
  if ('call' in rendered) {
    // Calls in a row form one chunk (parallel calls); a call after text starts a new one.
    const previous = last?.type === 'model' ? last.response.at(-1) : undefined;
    const call = {
      ...rendered.call,
      startsNewChunk: typeof previous !== 'object' || previous.type !== 'functionCall',
    };
    if (last?.type === 'model') last.response.push(call);
    else history.push({ type: 'model', response: [call] });
    return;
  }
  const { speaker, text } = rendered;
  if (last?.type === 'model' && speaker === 'model') {
    const previous = last.response.at(-1);
    if (typeof previous === 'string') last.response.push('\n', text);
    else last.response.push(text);
  } else if (last?.type === 'user' && speaker === 'user') last.text += `\n\n${text}`;
  else if (last?.type === 'system' && speaker === 'system' && typeof last.text === 'string')
    last.text += `\n\n${text}`;
  else if (speaker === 'model') history.push({ type: 'model', response: [text] });
  else history.push({ type: speaker, text });
}

/**
 * A turn as node-llama-cpp's chat history: the instructions first as a system message,
 * system and developer messages as system, user messages as user, assistant messages as model
 * responses, and each tool call with its output as a function call (name, params, result) in
 * the model's response, which the chat template renders in its own syntax; calls and outputs
 * that do not pair up are shown as text. Reasoning is dropped.
 */
export function turnToChatHistory(turn: Pick<Turn, 'instructions' | 'items'>): ChatHistoryConversion {
  const history: ChatHistoryItem[] = [];
  const warnings: string[] = [];
  if (turn.instructions) append(history, { speaker: 'system', text: turn.instructions });
  const tools = new ToolHistory(turn.items);
  for (const item of turn.items) {
    const rendered = render(item, tools, warnings);
    if (rendered) append(history, rendered);
  }
  return { history, warnings };
}
