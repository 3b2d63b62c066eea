import type { Database, Statement } from 'better-sqlite3';
import { clip } from '../api/limits.ts';
import type { Item } from '../api/items.ts';
import { CONVERSATION_MIGRATIONS } from './conversation-migrations.ts';
import type { ConversationObject, ConversationStore, TurnRecord } from './conversation-store.ts';
import { pageStart, parseItem, toItemPage, type ItemRow } from './item-page.ts';
import type { Owner } from './owner.ts';
import type { ItemPage, PageQuery } from './response-store.ts';
import { migrate } from './sqlite-migrations.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import type { SqliteResponseStore } from './sqlite-store.ts';

interface ConversationRow {
  id: string;
  created_at: number;
  metadata_json: string;
}

interface Page {
  id: string;
  cursor: number;
  limit: number;
}

/**
 * The embedded ConversationStore, on the handle shared with the other stores. Its writes (a
 * conversation's creation and the items each response appends to it among them) go through the
 * group commit (`commits`), with the responses' own writes: no sync on the event loop.
 */
export class SqliteConversationStore implements ConversationStore {
  readonly #db: Database;
  readonly #responses: SqliteResponseStore;
  readonly #commits: SqliteGroupCommit;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(db: Database, responses: SqliteResponseStore, commits: SqliteGroupCommit) {
    migrate(db, 'conversations', CONVERSATION_MIGRATIONS);
    this.#db = db;
    this.#responses = responses;
    this.#commits = commits;
    this.#sql = prepare(db);
  }

  async create(conversation: ConversationObject, items: readonly Item[], owner: Owner): Promise<void> {
    await this.#commits.write(() => {
      this.#sql.insert.run(
        conversation.id,
        owner,
        conversation.created_at,
        JSON.stringify(conversation.metadata),
      );
      this.#insertItems(conversation.id, items, 0);
    });
  }

  async get(id: string, owner: Owner): Promise<ConversationObject | undefined> {
    const row = this.#sql.select.get(id, owner);
    return row && toObject(row);
  }

  async update(
    id: string,
    metadata: Record<string, string>,
    owner: Owner,
  ): Promise<ConversationObject | undefined> {
    const row = await this.#commits.write(() =>
      this.#sql.updateMetadata.get(JSON.stringify(metadata), id, owner),
    );
    return row && toObject(row);
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return this.#commits.write(() => this.#sql.delete.run(id, owner).changes > 0);
  }

  async append(id: string, items: readonly Item[], owner: Owner, turn?: TurnRecord): Promise<boolean> {
    return this.#commits.write(() => {
      if (turn?.input) this.#responses.beginWithin(turn.response, turn.input, owner);
      else if (turn) this.#responses.finishWithin(turn.response, owner);
      if (!this.#sql.select.get(id, owner)) return false;
      this.#insertItems(id, items, this.#sql.nextPosition.get(id)!.next);
      return true;
    });
  }

  async items(id: string, owner: Owner): Promise<Item[] | undefined> {
    return this.#read(() => {
      if (!this.#sql.select.get(id, owner)) return undefined;
      return this.#sql.selectAll.all(id).map(parseItem);
    });
  }

  async page(id: string, owner: Owner, page: PageQuery): Promise<ItemPage | undefined> {
    return this.#read(() => {
      if (!this.#sql.select.get(id, owner)) return undefined;
      const found = page.after === undefined ? undefined : this.#sql.cursor.get(id, page.after);
      const cursor = pageStart(page, found, `conversation '${clip(id)}'`);
      const query = page.order === 'asc' ? this.#sql.pageAsc : this.#sql.pageDesc;
      return toItemPage(query.all({ id, cursor, limit: page.limit + 1 }), page.limit);
    });
  }

  async item(id: string, itemId: string, owner: Owner): Promise<Item | undefined> {
    return this.#read(() => {
      if (!this.#sql.select.get(id, owner)) return undefined;
      const row = this.#sql.selectItem.get(id, itemId);
      return row && parseItem(row);
    });
  }

  async deleteItem(id: string, itemId: string, owner: Owner): Promise<boolean> {
    return this.#commits.write(() => {
      if (!this.#sql.select.get(id, owner)) return false;
      return this.#sql.deleteItem.run(id, itemId).changes > 0;
    });
  }

  #insertItems(id: string, items: readonly Item[], from: number): void {
    items.forEach((item, index) => this.#sql.insertItem.run(id, from + index, item.id, JSON.stringify(item)));
  }

  /** Several reads from one snapshot, so a concurrent delete cannot split an answer. */
  #read<T>(work: () => T): T {
    return this.#db.transaction(work).deferred();
  }
}

function toObject(row: ConversationRow): ConversationObject {
  return {
    id: row.id,
    object: 'conversation',
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    created_at: row.created_at,
  };
}

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO conversations (id, owner, created_at, metadata_json) VALUES (?, ?, ?, ?)`,
    ) as Statement<[string, string, number, string]>,
    select: db.prepare(
      `SELECT id, created_at, metadata_json FROM conversations WHERE id = ? AND owner = ?`,
    ) as Statement<[string, string], ConversationRow>,
    updateMetadata: db.prepare(
      `UPDATE conversations SET metadata_json = ? WHERE id = ? AND owner = ?
       RETURNING id, created_at, metadata_json`,
    ) as Statement<[string, string, string], ConversationRow>,
    delete: db.prepare(`DELETE FROM conversations WHERE id = ? AND owner = ?`) as Statement<[string, string]>,
    nextPosition: db.prepare(
      `SELECT coalesce(max(position) + 1, 0) AS next FROM conversation_items WHERE conversation_id = ?`,
    ) as Statement<[string], { next: number }>,
    insertItem: db.prepare(
      `INSERT INTO conversation_items (conversation_id, position, item_id, item_json) VALUES (?, ?, ?, ?)`,
    ) as Statement<[string, number, string, string]>,
    selectAll: db.prepare(
      `SELECT item_json FROM conversation_items WHERE conversation_id = ? ORDER BY position`,
    ) as Statement<[string], ItemRow>,
    selectItem: db.prepare(
      `SELECT item_json FROM conversation_items WHERE conversation_id = ? AND item_id = ?
       ORDER BY position DESC LIMIT 1`,
    ) as Statement<[string, string], ItemRow>,
    deleteItem: db.prepare(
      `DELETE FROM conversation_items WHERE conversation_id = ? AND item_id = ?`,
    ) as Statement<[string, string]>,
    cursor: db.prepare(
      `SELECT min(position) AS first, max(position) AS last FROM conversation_items
       WHERE conversation_id = ? AND item_id = ?`,
    ) as Statement<[string, string], { first: number | null; last: number | null }>,
    pageAsc: db.prepare(
      `SELECT item_json FROM conversation_items WHERE conversation_id = :id AND position > :cursor
       ORDER BY position LIMIT :limit`,
    ) as Statement<[Page], ItemRow>,
    pageDesc: db.prepare(
      `SELECT item_json FROM conversation_items WHERE conversation_id = :id AND position < :cursor
       ORDER BY position DESC LIMIT :limit`,
    ) as Statement<[Page], ItemRow>,
  };
}
