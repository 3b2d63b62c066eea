import type { ContentPart, Item } from './items.ts';

/** Tokens an item costs beyond its text: its role or type markers, as chat templates add them. */
export const ITEM_OVERHEAD_TOKENS = 4;
/** What an image costs when the provider cannot say: OpenAI's price of a low-detail image. */
export const IMAGE_TOKENS = 85;

/** The text a model reads of an item (messages, tool calls and outputs, reasoning summaries), without markup. */
export function itemText(item: Item): string {
  switch (item.type) {
    case 'message':
      return partsText(item.content);
    case 'function_call':
      return `${item.name} ${item.arguments}`;
    case 'custom_tool_call':
      return `${item.name} ${item.input}`;
    case 'function_call_output':
    case 'custom_tool_call_output':
      return typeof item.output === 'string' ? item.output : partsText(item.output);
    case 'reasoning':
      return item.summary.map((part) => part.text).join('\n');
    default:
      return JSON.stringify(item);
  }
}

function partsText(parts: readonly ContentPart[]): string {
  let text = '';
  for (const part of parts) {
    if (part.type === 'input_text' || part.type === 'output_text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
  }
  return text;
}

/** How many images a message shows. */
export function imageCount(item: Item): number {
  if (item.type !== 'message') return 0;
  return item.content.filter((part) => part.type === 'input_image').length;
}
