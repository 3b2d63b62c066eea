import type { PoolClient } from 'pg';
import type { Item } from '../api/items.ts';
import { clip } from '../api/limits.ts';
import type { ConversationObject, ConversationStore, TurnRecord } from './conversation-store.ts';
import { pageStart, parseItem, toItemPage, type CursorRow, type ItemRow } from './item-page.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import type { PostgresResponseStore } from './postgres-store.ts';
import type { ItemPage, PageQuery } from './response-store.ts';

interface ConversationRow {
  id: string;
  created_at: string;
  metadata_json: string;
}

const SELECT = sql(`SELECT id, created_at, metadata_json FROM conversations WHERE id = $1 AND owner = $2`);
const ITEMS = sql(
  `INSERT INTO conversation_items (conversation_id, position, item_id, item_json)
   SELECT $1, $2 + ordinality - 1, item_id, item_json
   FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS given (item_id, item_json, ordinality)`,
);

/** The ConversationStore on PostgreSQL, on the pool shared with the other stores. */
export class PostgresConversationStore implements ConversationStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly responses: PostgresResponseStore,
  ) {}

  async create(conversation: ConversationObject, items: readonly Item[], owner: Owner): Promise<void> {
    await this.db.transaction(async (client) => {
      await this.db.query(
        sql(`INSERT INTO conversations (id, owner, created_at, metadata_json) VALUES ($1, $2, $3, $4)`),
        [conversation.id, owner, conversation.created_at, JSON.stringify(conversation.metadata)],
        client,
      );
      await this.insert(client, conversation.id, items, 0);
    });
  }

  async get(id: string, owner: Owner): Promise<ConversationObject | undefined> {
    const [row] = await this.db.query<ConversationRow>(SELECT, [id, owner]);
    return row && toObject(row);
  }

  async update(
    id: string,
    metadata: Record<string, string>,
    owner: Owner,
  ): Promise<ConversationObject | undefined> {
    const [row] = await this.db.query<ConversationRow>(
      sql(`UPDATE conversations SET metadata_json = $3 WHERE id = $1 AND owner = $2
           RETURNING id, created_at, metadata_json`),
      [id, owner, JSON.stringify(metadata)],
    );
    return row && toObject(row);
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return (
      (await this.db.execute(sql(`DELETE FROM conversations WHERE id = $1 AND owner = $2`), [id, owner])) > 0
    );
  }

  /** The conversation's row is locked for the append, so concurrent appends take turns. */
  async append(id: string, items: readonly Item[], owner: Owner, turn?: TurnRecord): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (turn?.input) await this.responses.beginWithin(client, turn.response, turn.input, owner);
      else if (turn) await this.responses.finishWithin(client, turn.response, owner);
      const locked = await this.db.query(
        sql(`SELECT id FROM conversations WHERE id = $1 AND owner = $2 FOR UPDATE`),
        [id, owner],
        client,
      );
      if (locked.length === 0) return false;
      const [next] = await this.db.query<{ next: number }>(
        sql(
          `SELECT coalesce(max(position) + 1, 0) AS next FROM conversation_items WHERE conversation_id = $1`,
        ),
        [id],
        client,
      );
      await this.insert(client, id, items, next!.next);
      return true;
    });
  }

  async items(id: string, owner: Owner): Promise<Item[] | undefined> {
    return this.db.transaction(async (client) => {
      if ((await this.db.query(SELECT, [id, owner], client)).length === 0) return undefined;
      const rows = await this.db.query<ItemRow>(
        sql(`SELECT item_json FROM conversation_items WHERE conversation_id = $1 ORDER BY position`),
        [id],
        client,
      );
      return rows.map(parseItem);
    }, true);
  }

  async page(id: string, owner: Owner, page: PageQuery): Promise<ItemPage | undefined> {
    return this.db.transaction(async (client) => {
      if ((await this.db.query(SELECT, [id, owner], client)).length === 0) return undefined;
      const [found] =
        page.after === undefined
          ? []
          : await this.db.query<NonNullable<CursorRow>>(
              sql(`SELECT min(position) AS first, max(position) AS last FROM conversation_items
                   WHERE conversation_id = $1 AND item_id = $2`),
              [id, page.after],
              client,
            );
      const cursor = pageStart(page, found, `conversation '${clip(id)}'`);
      const query =
        page.order === 'asc'
          ? sql(`SELECT item_json FROM conversation_items WHERE conversation_id = $1 AND position > $2
                 ORDER BY position LIMIT $3`)
          : sql(`SELECT item_json FROM conversation_items WHERE conversation_id = $1 AND position < $2
                 ORDER BY position DESC LIMIT $3`);
      return toItemPage(
        await this.db.query<ItemRow>(query, [id, cursor, page.limit + 1], client),
        page.limit,
      );
    }, true);
  }

  async item(id: string, itemId: string, owner: Owner): Promise<Item | undefined> {
    const [row] = await this.db.query<ItemRow>(
      sql(`SELECT i.item_json FROM conversation_items AS i JOIN conversations AS c ON c.id = i.conversation_id
           WHERE i.conversation_id = $1 AND c.owner = $2 AND i.item_id = $3
           ORDER BY i.position DESC LIMIT 1`),
      [id, owner, itemId],
    );
    return row && parseItem(row);
  }

  async deleteItem(id: string, itemId: string, owner: Owner): Promise<boolean> {
    const deleted = await this.db.execute(
      sql(`DELETE FROM conversation_items AS i USING conversations AS c
           WHERE c.id = i.conversation_id AND i.conversation_id = $1 AND c.owner = $2 AND i.item_id = $3`),
      [id, owner, itemId],
    );
    return deleted > 0;
  }

  private async insert(client: PoolClient, id: string, items: readonly Item[], from: number): Promise<void> {
    if (items.length === 0) return;
    const ids = items.map((item) => item.id);
    const json = items.map((item) => JSON.stringify(item));
    await this.db.query(ITEMS, [id, from, ids, json], client);
  }
}

function toObject(row: ConversationRow): ConversationObject {
  return {
    id: row.id,
    object: 'conversation',
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    created_at: Number(row.created_at),
  };
}
