import type { Item } from '../api/items.ts';
import type { ResponseObject } from '../api/response.ts';
import type { Owner } from './owner.ts';
import type { ItemPage, PageQuery } from './response-store.ts';

/** A conversation as the API answers it. */
export interface ConversationObject {
  id: string;
  object: 'conversation';
  metadata: Record<string, string>;
  /** Unix seconds. */
  created_at: number;
}

/** The record of the response whose turn a conversation gets (see ConversationStore.append). */
export interface TurnRecord {
  /** As it ended: ResponseStore.finish's write. */
  response: ResponseObject;
  /** Its input, when it was not begun: it is recorded whole, as ResponseStore.begin records it. */
  input?: readonly Item[] | undefined;
}

/**
 * Conversations: durable lists of items that responses read as context and append to. One
 * interface, several backends; the same contract suite (test/conversation-store-contract.ts)
 * runs over each. Every method is scoped to an owner: another owner's conversation is unknown.
 */
export interface ConversationStore {
  /** Records a new conversation with its first items (ids assigned). */
  create(conversation: ConversationObject, items: readonly Item[], owner: Owner): Promise<void>;
  get(id: string, owner: Owner): Promise<ConversationObject | undefined>;
  /** Replaces the metadata; undefined when the conversation is unknown. */
  update(id: string, metadata: Record<string, string>, owner: Owner): Promise<ConversationObject | undefined>;
  /** Deletes the conversation and its item list (responses made in it keep theirs). */
  delete(id: string, owner: Owner): Promise<boolean>;
  /**
   * Adds items at the end, in order, in one transaction: concurrent appends never interleave
   * within one call or lose an item. False when the conversation is unknown. With `turn`, the
   * items are a response's turn: its record is written in the same transaction (even when the
   * conversation is unknown), so a crash leaves both or neither.
   */
  append(id: string, items: readonly Item[], owner: Owner, turn?: TurnRecord): Promise<boolean>;
  /** Every item, oldest first: the context of a response. Undefined when unknown. */
  items(id: string, owner: Owner): Promise<Item[] | undefined>;
  /** One page of items; undefined when the conversation is unknown; an unknown `after` is a 400. */
  page(id: string, owner: Owner, page: PageQuery): Promise<ItemPage | undefined>;
  /** The item with this id (its latest, if a client reused an id); undefined when either is unknown. */
  item(id: string, itemId: string, owner: Owner): Promise<Item | undefined>;
  /** Removes the item; false when the conversation or the item is unknown. */
  deleteItem(id: string, itemId: string, owner: Owner): Promise<boolean>;
}
