import { badRequest } from '../api/errors.ts';
import type { InputItem, Item } from '../api/items.ts';
import { clip } from '../api/limits.ts';
import { idAtMost } from '../api/check-request-bounds.ts';

/**
 * A request's input with each `item_reference` replaced by the item it names: one of the
 * history's (the `previous_response_id` chain or the conversation), else one of the owner's
 * stored responses' (`stored`), as a client that sends its whole conversation each turn names
 * the items the server made. An id found nowhere is a 400 naming the reference (`param` names
 * the list: `input`, or `items` of the Conversations API). Input without references is
 * returned as it is.
 */
export async function resolveItemReferences<Input extends string | InputItem[]>(
  input: Input,
  history: readonly Item[],
  stored: (ids: string[]) => Promise<Map<string, Item>>,
  param = 'input',
): Promise<Input> {
  if (typeof input === 'string' || !input.some((item) => item.type === 'item_reference')) return input;
  const known = new Map<string, Item>();
  for (const item of history) known.set(item.id, item);
  const missing = new Set<string>();
  input.forEach((item, index) => {
    if (item.type !== 'item_reference') return;
    idAtMost(`${param}[${index}].id`, item.id);
    if (!known.has(item.id)) missing.add(item.id);
  });
  if (missing.size > 0) for (const [id, item] of await stored([...missing])) known.set(id, item);
  return input.map((item, index) => {
    if (item.type !== 'item_reference') return item;
    const found = known.get(item.id);
    if (!found)
      throw badRequest(
        `${param}[${index}].id`,
        `No item found with id '${clip(item.id)}'.`,
        'item_not_found',
      );
    return found as InputItem;
  }) as Input;
}
