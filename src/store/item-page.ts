import { badRequest } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import { clip } from '../api/limits.ts';
import type { ItemPage, PageQuery } from './response-store.ts';

export interface ItemRow {
  item_json: string;
}

/** Where an item id sits in a list: its first and last position (null when it is not there). */
export type CursorRow = { first: number | null; last: number | null } | undefined;

export function parseItem(row: ItemRow): Item {
  return JSON.parse(row.item_json) as Item;
}

/** Positions beyond any list, for a page that starts at either end. */
const END = 2 ** 31 - 1;

/**
 * The position a page starts after (asc) or before (desc). Positions run from 0 upwards; a
 * repeated `after` id counts at its last place in the requested order, so paging always
 * advances. `found` is where `page.after` sits; `label` names the list in the 400 when it is
 * not there (`response 'resp_1'`).
 */
export function pageStart(page: PageQuery, found: CursorRow, label: string): number {
  const asc = page.order === 'asc';
  if (page.after === undefined) return asc ? -1 : END;
  const position = asc ? found?.last : found?.first;
  if (position === undefined || position === null)
    throw badRequest('after', `No item with id '${clip(page.after)}' in ${label}.`);
  return position;
}

/** A page in the shape every list endpoint answers, from up to `limit + 1` rows (the extra one says there is more). */
export function toItemPage(rows: readonly ItemRow[], limit: number): ItemPage {
  const data = rows.slice(0, limit).map(parseItem);
  return {
    object: 'list',
    data,
    has_more: rows.length > limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
