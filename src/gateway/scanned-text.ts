import type { InputItem, Item } from '../api/items.ts';
import { itemText } from '../api/item-text.ts';
import type { CreateResponseRequest } from '../api/request.ts';
import type { OutputItem, ResponseObject } from '../api/response.ts';

/**
 * A text a content policy reads, and where it was found (`instructions`, `input[2]`,
 * `output[0]`): what a finding names in place of the text itself.
 */
export interface ScannedText {
  at: string;
  text: string;
}

/**
 * The text of one item: messages' text parts, tool calls' arguments and outputs, reasoning
 * summaries. Images, files and audio are not decoded (their base64 and URLs are not text).
 */
function textOf(item: InputItem | OutputItem): string {
  if (item.type === 'item_reference') return '';
  if (item.type === 'message' && typeof item.content === 'string') return item.content;
  return itemText(item as Item);
}

function itemTexts(items: ReadonlyArray<InputItem | OutputItem>, name: string): ScannedText[] {
  const texts: ScannedText[] = [];
  items.forEach((item, index) => {
    const text = textOf(item);
    if (text) texts.push({ at: `${name}[${index}]`, text });
  });
  return texts;
}

/** What a request asks with: its instructions (a stored prompt's, its variables filled) and its input, as the client sent them. */
export function requestTexts(request: CreateResponseRequest): ScannedText[] {
  const texts: ScannedText[] = [];
  if (request.instructions) texts.push({ at: 'instructions', text: request.instructions });
  if (request.promptMessages) texts.push(...itemTexts(request.promptMessages, 'instructions'));
  if (typeof request.input === 'string') texts.push({ at: 'input', text: request.input });
  else if (Array.isArray(request.input)) texts.push(...itemTexts(request.input, 'input'));
  return texts;
}

/** What a response answered: its output items. */
export function responseTexts(response: ResponseObject): ScannedText[] {
  return itemTexts(response.output, 'output');
}
