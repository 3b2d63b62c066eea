import type { Item } from '../api/items.ts';
import type { ResponseObject } from '../api/response.ts';

import type { Owner } from './owner.ts';

export type { Owner };

export interface PageQuery {
  /** 1 to 100. */
  limit: number;
  order: 'asc' | 'desc';
  /** An item id: the page starts after it, in the requested order. */
  after?: string;
}

export interface ItemPage {
  object: 'list';
  data: Item[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/**
 * Responses and their items. One interface, several backends (SQLite embedded;
 * PostgreSQL); the same contract suite runs over each.
 */
export interface ResponseStore {
  /**
   * Records a new response with its input items, whose ids are already assigned: as it starts
   * (status `in_progress`), or whole once it ended when nothing of it was acknowledged before
   * (a JSON answer: its output items are in its object). Once this resolves the response is
   * durable: a crash cannot lose it.
   */
  begin(response: ResponseObject, input: readonly Item[], owner: Owner): Promise<void>;
  /**
   * Records a response's current object and output items: how it ended, or (for a background
   * response) that it started running.
   */
  finish(response: ResponseObject, owner: Owner): Promise<void>;
  get(id: string, owner: Owner): Promise<ResponseObject | undefined>;
  /**
   * The context behind `previous_response_id = id`: for every response of the chain, oldest
   * first, its input items then its output items. Undefined when `id` is unknown to this owner.
   * The chain stops at a response that was deleted (or belongs to another owner).
   */
  history(id: string, owner: Owner): Promise<Item[] | undefined>;
  delete(id: string, owner: Owner): Promise<boolean>;
  /**
   * The items `ids` name (an `item_reference`'s id), from this owner's stored responses, input
   * or output; an id stored by several responses (an item sent again) is read from the newest.
   * An id not found is absent from the map.
   */
  items(ids: readonly string[], owner: Owner): Promise<Map<string, Item>>;
  /** Undefined when the response is unknown to this owner; an `after` that is not one of its items is a 400. */
  inputItems(id: string, owner: Owner, page: PageQuery): Promise<ItemPage | undefined>;
  /**
   * Marks responses that a crash or restart left `in_progress` or `queued` as failed; returns
   * how many. Only those whose instance's lease has lapsed (InstanceStore): another replica's
   * live work, and this instance's own, are never touched. Background responses are left to
   * their run's lease (BackgroundStore).
   */
  recoverInterrupted(): Promise<number>;
}

/** A response's output items that have an id: their positions and ids, as parallel arrays. */
export function outputIds(response: ResponseObject): [number[], string[]] {
  const positions: number[] = [];
  const ids: string[] = [];
  response.output.forEach((item, position) => {
    if (!item.id) return;
    positions.push(position);
    ids.push(item.id);
  });
  return [positions, ids];
}

/**
 * The items rows found by id, newest first, as items(): the first row of each id wins. An
 * output row whose position now holds another item (its response was finished again with other
 * output) is passed over.
 */
export function readItems(
  rows: ReadonlyArray<{ item_id: string; item_json: string | null }>,
): Map<string, Item> {
  const found = new Map<string, Item>();
  for (const row of rows) {
    if (found.has(row.item_id) || row.item_json === null) continue;
    const item = JSON.parse(row.item_json) as Item | null;
    if (item?.id === row.item_id) found.set(row.item_id, item);
  }
  return found;
}
