import type { ContentPart, Item } from './items.ts';

/** A content part of an item, with its wire path: `input[3].content[1]` or `input[4].output[0]`. */
export interface LocatedPart {
  path: string;
  item: Item;
  part: ContentPart;
}

/**
 * Every content part of a list of items: message content and the parts of tool outputs that
 * are lists. Paths index the list given, named `list` (`input`, or `items` of the conversations
 * API), so that a check over `turn.items` names the item the engine can map back to the
 * request's input.
 */
export function contentParts(items: readonly Item[], list = 'input'): LocatedPart[] {
  const parts: LocatedPart[] = [];
  items.forEach((item, index) => {
    if (item.type === 'message') {
      item.content.forEach((part, at) =>
        parts.push({ path: `${list}[${index}].content[${at}]`, item, part }),
      );
    } else if (
      (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') &&
      Array.isArray(item.output)
    ) {
      item.output.forEach((part, at) => parts.push({ path: `${list}[${index}].output[${at}]`, item, part }));
    }
  });
  return parts;
}
