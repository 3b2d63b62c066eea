import { checkPartSource } from '../api/check-part-source.ts';
import { idAtMost } from '../api/check-request-bounds.ts';
import { contentParts } from '../api/item-parts.ts';
import type { ContentPart, InputItem, Item } from '../api/items.ts';
import { checkCheckpoint } from './compaction-item.ts';
import type { IdGenerator } from './ids.ts';

const ID_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  reasoning: 'rs',
};

const STATUS_TYPES = new Set(['message', 'function_call', 'function_call_output']);

/** Drops null and undefined fields: the wire allows `null` for "not set", storage keeps neither. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** A text as a part of a message of `role`: what an assistant said is output text. */
export function textPart(role: string, text: string): ContentPart {
  return role === 'assistant'
    ? { type: 'output_text', text, annotations: [], logprobs: [] }
    : { type: 'input_text', text };
}

/**
 * A request's `input` as stored items: a string becomes one user message, message content is
 * always a list of parts, and every item gets an id (the client's own, when it sent one). A
 * compaction item under Portico's tag must hold a checkpoint Portico could have made, and an
 * image or file part must have a source (check-part-source.ts).
 * `param` names the list in errors (`input`, or `items` of the conversations API).
 */
export function normalizeInput(input: string | InputItem[], newId: IdGenerator, param = 'input'): Item[] {
  if (typeof input === 'string') {
    // The same status a message sent as an item gets (below).
    const content = [textPart('user', input)];
    return [{ type: 'message', id: newId('msg'), role: 'user', content, status: 'completed' }];
  }
  const items = input.map((item, index): Item => {
    // Resolved before (resolve-item-references.ts); one left is a caller's bug, never a client's.
    if (item.type === 'item_reference') throw new Error(`${param}[${index}] is an unresolved item_reference`);
    idAtMost(`${param}[${index}].id`, item.id);
    if (item.type === 'compaction') checkCheckpoint(item, `${param}[${index}].encrypted_content`);
    const id = item.id ?? newId(ID_PREFIX[item.type] ?? 'item');
    // Listed back as item resources, where these types carry a status.
    const status = STATUS_TYPES.has(item.type)
      ? { status: 'status' in item && item.status ? item.status : 'completed' }
      : {};
    if (item.type === 'message') {
      const content =
        typeof item.content === 'string'
          ? [textPart(item.role, item.content)]
          : item.content.map((p) => compact(p));
      return compact({ ...item, id, content, ...status }) as Item;
    }
    return compact({ ...item, id, ...status }) as Item;
  });
  contentParts(items, param).forEach(checkPartSource);
  return items;
}
