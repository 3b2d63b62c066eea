import { badRequest } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import type { ItemPage, PageQuery } from './response-store.ts';

export interface ItemRow {
  item_json: string;
}

/** How one list of items is read a page at a time: by position, with item ids as cursors. */
export interface PagedItems {
  /** The first and last position of an item id in the list (null when it is not there). */
  cursor(itemId: string): { first: number | null; last: number | null } | undefined;
  /** Up to `limit` rows after (asc) or before (desc) the position `cursor`. */
  rows(order: 'asc' | 'desc', cursor: number, limit: number): ItemRow[];
  /** What the list is, for the 400 on an `after` it does not hold: `response 'resp_1'`. */
  label: string;
}

export function parseItem(row: ItemRow): Item {
  return JSON.parse(row.item_json) as Item;
}

/**
 * One page of a list (`limit`, `order`, `after`) in the shape every list endpoint answers.
 * Positions run from 0 upwards; a repeated `after` id counts at its last place in the
 * requested order, so paging always advances.
 */
export function readItemPage(list: PagedItems, page: PageQuery): ItemPage {
  const asc = page.order === 'asc';
  let cursor = asc ? -1 : Number.MAX_SAFE_INTEGER;
  if (page.after !== undefined) {
    const found = list.cursor(page.after);
    const position = asc ? found?.last : found?.first;
    if (position === undefined || position === null)
      throw badRequest('after', `No item with id '${page.after}' in ${list.label}.`);
    cursor = position;
  }
  const rows = list.rows(page.order, cursor, page.limit + 1);
  const data = rows.slice(0, page.limit).map(parseItem);
  return {
    object: 'list',
    data,
    has_more: rows.length > page.limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
