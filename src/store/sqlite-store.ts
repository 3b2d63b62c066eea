import type { Database } from 'better-sqlite3';
import { clip } from '../api/limits.ts';
import type { Item } from '../api/items.ts';
import type { ResponseObject } from '../api/response.ts';
import type { Owner } from './owner.ts';
import { RESPONSE_MIGRATIONS } from './response-migrations.ts';
import { outputIds, readItems, type ItemPage, type PageQuery, type ResponseStore } from './response-store.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { migrate } from './sqlite-migrations.ts';
import { pageStart, parseItem, toItemPage } from './item-page.ts';
import { prepareStatements, type Statements } from './sqlite-statements.ts';
import { responseJson } from '../api/response-json.ts';

export const INTERRUPTED_ERROR = {
  code: 'server_error',
  message: 'The response was interrupted by a server restart before it finished.',
} as const;

/** The embedded ResponseStore, on a handle shared with the other stores (see sqlite-stores.ts). */
export class SqliteResponseStore implements ResponseStore {
  readonly #db: Database;
  readonly #clock: () => number;
  readonly #sql: Statements;
  readonly #instance: string;
  readonly #commits: SqliteGroupCommit;

  /**
   * `instance`: the process writing, recorded on each response it begins (see
   * instance-store.ts). Every write shares transactions and syncs with concurrent writes
   * through `commits`.
   */
  constructor(db: Database, clock: () => number, instance: string, commits: SqliteGroupCommit) {
    migrate(db, 'responses', RESPONSE_MIGRATIONS);
    this.#db = db;
    this.#commits = commits;
    this.#clock = clock;
    this.#instance = instance;
    this.#sql = prepareStatements(db);
  }

  async begin(response: ResponseObject, input: readonly Item[], owner: Owner): Promise<void> {
    await this.#commits.write(() => this.beginWithin(response, input, owner));
  }

  /** `begin`'s writes, inside a transaction the caller holds (the background store's enqueue). */
  beginWithin(response: ResponseObject, input: readonly Item[], owner: Owner): void {
    this.#sql.insertResponse.run({
      id: response.id,
      owner,
      previous_response_id: response.previous_response_id,
      status: response.status,
      instance: this.#instance,
      background: response.background ? 1 : 0,
      created_at: response.created_at,
      updated_at: this.#clock(),
      response_json: responseJson(response),
    });
    input.forEach((item, position) =>
      this.#sql.insertInputItem.run({
        response_id: response.id,
        position,
        item_id: item.id,
        item_json: JSON.stringify(item),
      }),
    );
    this.#indexOutput(response);
  }

  /** A row per output item with an id, so that an `item_reference` finds it (items()). */
  #indexOutput(response: ResponseObject): void {
    const [positions, ids] = outputIds(response);
    ids.forEach((id, at) =>
      this.#sql.insertOutputId.run({ response_id: response.id, position: positions[at]!, item_id: id }),
    );
  }

  /**
   * The response's final JSON, its output items with it. A response that was deleted while it
   * ran (or belongs to another owner) is left alone.
   */
  async finish(response: ResponseObject, owner: Owner): Promise<void> {
    await this.#commits.write(() => this.finishWithin(response, owner));
  }

  /** `finish`'s write, inside a transaction the caller holds (a background run's end, a conversation's turn). */
  finishWithin(response: ResponseObject, owner: Owner): void {
    const updated = this.#sql.updateResponse.run({
      id: response.id,
      owner,
      status: response.status,
      updated_at: this.#clock(),
      response_json: responseJson(response),
    });
    if (updated.changes > 0) this.#indexOutput(response);
  }

  async get(id: string, owner: Owner): Promise<ResponseObject | undefined> {
    const row = this.#sql.selectResponse.get(id, owner);
    return row === undefined ? undefined : (JSON.parse(row.response_json) as ResponseObject);
  }

  /**
   * One recursive query walks the chain and reads each response's items once. The chain
   * ends at the first response that is missing (deleted) or belongs to another owner.
   */
  async history(id: string, owner: Owner): Promise<Item[] | undefined> {
    return this.#read(() => {
      if (this.#sql.selectResponse.get(id, owner) === undefined) return undefined;
      return this.#sql.selectHistory.all({ id, owner }).map(parseItem);
    });
  }

  async items(ids: readonly string[], owner: Owner): Promise<Map<string, Item>> {
    if (ids.length === 0) return new Map();
    return readItems(this.#sql.selectItems.all({ ids: JSON.stringify(ids), owner }));
  }

  async delete(id: string, owner: Owner): Promise<boolean> {
    return this.#commits.write(() => this.#sql.deleteResponse.run(id, owner).changes > 0);
  }

  async inputItems(id: string, owner: Owner, page: PageQuery): Promise<ItemPage | undefined> {
    return this.#read(() => {
      if (this.#sql.selectResponse.get(id, owner) === undefined) return undefined;
      const found = page.after && this.#sql.selectCursor.get({ response_id: id, item_id: page.after });
      const cursor = pageStart(page, found || undefined, `the input of response '${clip(id)}'`);
      const query = page.order === 'asc' ? this.#sql.selectInputPageAsc : this.#sql.selectInputPageDesc;
      return toItemPage(query.all({ response_id: id, cursor, limit: page.limit + 1 }), page.limit);
    });
  }

  async recoverInterrupted(): Promise<number> {
    const error = JSON.stringify(INTERRUPTED_ERROR);
    const now = this.#clock();
    return this.#commits.write(
      () => this.#sql.failUnfinished.run({ error, updated_at: now, self: this.#instance }).changes,
    );
  }

  /** Several reads from one snapshot, so a concurrent delete cannot split an answer. */
  #read<T>(work: () => T): T {
    return this.#db.transaction(work).deferred();
  }
}
