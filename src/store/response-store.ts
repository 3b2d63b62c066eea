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
