import type { PoolClient } from 'pg';
import type { Item } from '../api/items.ts';
import { clip } from '../api/limits.ts';
import type { ResponseObject } from '../api/response.ts';
import { pageStart, toItemPage, type ItemRow } from './item-page.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { SQL } from './postgres-statements.ts';
import { outputIds, readItems, type ItemPage, type PageQuery, type ResponseStore } from './response-store.ts';
import { INTERRUPTED_ERROR } from './sqlite-store.ts';
import { responseJson } from '../api/response-json.ts';

interface JsonRow {
  item_json: string | null;
}

/** The ResponseStore on PostgreSQL, on a pool shared with the other stores (see postgres-stores.ts). */
export class PostgresResponseStore implements ResponseStore {
  /** `instance`: the process writing, recorded on each response it begins (see instance-store.ts). */
  constructor(
    private readonly db: PostgresDatabase,
    private readonly clock: () => number,
    private readonly instance: string,
  ) {}

  async begin(response: ResponseObject, input: readonly Item[], owner: Owner): Promise<void> {
    await this.db.transaction((client) => this.beginWithin(client, response, input, owner));
  }

  /** `begin`'s writes, inside a transaction the caller holds (the background store's enqueue). */
  async beginWithin(
    client: PoolClient,
    response: ResponseObject,
    input: readonly Item[],
    owner: Owner,
  ): Promise<void> {
    await this.db.query(
      SQL.insertResponse,
      [
        response.id,
        owner,
        response.previous_response_id,
        response.status,
        response.created_at,
        this.clock(),
        responseJson(response),
        this.instance,
        response.background,
      ],
      client,
    );
    await this.insertInputItems(client, response.id, input);
    const [positions, ids] = outputIds(response);
    if (ids.length > 0) await this.db.query(SQL.insertOutputIds, [response.id, positions, ids], client);
  }

  /** A response that was deleted while it ran (or belongs to another owner) is left alone. */
  async finish(response: ResponseObject, owner: Owner): Promise<void> {
    await this.finishWithin(undefined, response, owner);
  }

  /** `finish`'s write, inside a transaction the caller holds (a background run's end, a conversation's turn). */
  async finishWithin(client: PoolClient | undefined, response: ResponseObject, owner: Owner): Promise<void> {
    const values = [
      response.id,
      owner,
      response.status,
      this.clock(),
      responseJson(response),
      ...outputIds(response),
    ];
    await this.db.execute(SQL.updateResponse, values, client);
  }

  async get(id: string, owner: Owner): Promise<ResponseObject | undefined> {
    const [row] = await this.db.query<{ response_json: string }>(SQL.selectResponse, [id, owner]);
    return row === undefined ? undefined : (JSON.parse(row.response_json) as ResponseObject);
  }

  /** One recursive query, one snapshot: the chain ends at a response deleted or of another owner. */
  async history(id: string, owner: Owner): Promise<Item[] | undefined> {
    const rows = await this.db.query<JsonRow>(SQL.selectHistory, [id, owner]);
    if (rows.length === 0) return undefined;
    return rows.flatMap((row) => (row.item_json === null ? [] : [JSON.parse(row.item_json) as Item]));
  }

  async items(ids: readonly string[], owner: Owner): Promise<Map<string, Item>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ item_id: string; item_json: string | null }>(SQL.selectItems, [
      ids,
      owner,
    ]);
    return readItems(rows);
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return (await this.db.execute(SQL.deleteResponse, [id, owner])) > 0;
  }

  async inputItems(id: string, owner: Owner, page: PageQuery): Promise<ItemPage | undefined> {
    return this.db.transaction(async (client) => {
      const found = await this.db.query(SQL.selectResponse, [id, owner], client);
      if (found.length === 0) return undefined;
      const [at] =
        page.after === undefined
          ? []
          : await this.db.query<{ first: number | null; last: number | null }>(
              SQL.selectCursor,
              [id, page.after],
              client,
            );
      const cursor = pageStart(page, at, `the input of response '${clip(id)}'`);
      const query = page.order === 'asc' ? SQL.selectInputPageAsc : SQL.selectInputPageDesc;
      return toItemPage(
        await this.db.query<ItemRow>(query, [id, cursor, page.limit + 1], client),
        page.limit,
      );
    }, true);
  }

  /**
   * Rewrites each interrupted response's JSON in place, in one transaction that locks them; rows
   * another replica is recovering (or finishing) right now are skipped.
   */
  async recoverInterrupted(): Promise<number> {
    return this.db.transaction(async (client) => {
      const rows = await this.db.query<{ id: string; response_json: string }>(
        SQL.selectUnfinished,
        [this.instance, this.clock()],
        client,
      );
      for (const row of rows) {
        const failed = {
          ...(JSON.parse(row.response_json) as object),
          status: 'failed',
          error: INTERRUPTED_ERROR,
        };
        await this.db.query(SQL.failResponse, [row.id, this.clock(), JSON.stringify(failed)], client);
      }
      return rows.length;
    });
  }

  private async insertInputItems(
    client: PoolClient,
    responseId: string,
    items: readonly { id: string }[],
  ): Promise<void> {
    if (items.length === 0) return;
    const positions = items.map((_, position) => position);
    const ids = items.map((item) => item.id);
    const json = items.map((item) => JSON.stringify(item));
    await this.db.query(SQL.insertInputItems, [responseId, positions, ids, json], client);
  }
}
