import type { Database } from 'better-sqlite3';
import type { Item } from '../api/items.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { BACKGROUND_MIGRATIONS } from './background-migrations.ts';
import type { BackgroundRun, BackgroundStore, LapsedRun, StreamEnding } from './background-store.ts';
import type { Owner } from './owner.ts';
import { migrate } from './sqlite-migrations.ts';
import type { SqliteGroupCommit } from './sqlite-group-commit.ts';
import type { SqliteResponseStore } from './sqlite-store.ts';

interface RunRow {
  response_id: string;
  owner: string;
  model: string;
  request_json: string;
}

/**
 * The embedded BackgroundStore. Its enqueue writes the response through the response store, in
 * one transaction. What every run writes (its enqueue, its events every 50 ms while it streams,
 * its completion) goes through the group commit (`commits`): a commit synced on the event
 * loop for each of them stopped it ~0.5 ms a time on the development machine, so a hundred
 * streaming runs would have kept it busy; in the group they share syncs, made off the loop.
 */
export class SqliteBackgroundStore implements BackgroundStore {
  readonly #responses: SqliteResponseStore;
  readonly #clock: () => number;
  readonly #commits: SqliteGroupCommit;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(db: Database, responses: SqliteResponseStore, clock: () => number, commits: SqliteGroupCommit) {
    migrate(db, 'background', BACKGROUND_MIGRATIONS);
    this.#responses = responses;
    this.#clock = clock;
    this.#commits = commits;
    this.#sql = prepare(db);
  }

  async enqueue(
    response: ResponseObject,
    input: readonly Item[],
    run: BackgroundRun,
    events: readonly ResponseStreamEvent[],
  ): Promise<void> {
    await this.#commits.write(() => {
      this.#responses.beginWithin(response, input, run.owner);
      this.#sql.insertRun.run({
        response_id: run.responseId,
        owner: run.owner,
        model: run.model,
        request_json: JSON.stringify(run.request),
        queued_at: this.#clock(),
      });
      this.#insertEvents(run.responseId, events);
    });
  }

  async claim(
    instance: string,
    busyModels: readonly string[],
    now: number,
    leaseMs: number,
  ): Promise<BackgroundRun | undefined> {
    // One UPDATE picks and takes the run: a second claimer's UPDATE sees it running already.
    const busy = JSON.stringify(busyModels);
    const row = await this.#commits.write(() =>
      this.#sql.claim.get({ instance, expires: now + leaseMs, busy }),
    );
    return row && toRun(row);
  }

  async renew(
    responseId: string,
    instance: string,
    now: number,
    leaseMs: number,
  ): Promise<{ held: boolean; cancel: boolean }> {
    const row = await this.#commits.write(() =>
      this.#sql.renew.get({ id: responseId, instance, expires: now + leaseMs }),
    );
    return { held: row !== undefined, cancel: row?.cancel_requested === 1 };
  }

  async complete(responseId: string, instance: string): Promise<void> {
    await this.#commits.write(() => this.#sql.complete.run(responseId, instance));
  }

  async end(responseId: string, owner: Owner, instance: string, ending: StreamEnding): Promise<void> {
    await this.#commits.write(() => {
      if (this.#sql.complete.run(responseId, instance).changes > 0) this.#close(responseId, owner, ending);
    });
  }

  async requeue(queued: ResponseObject, owner: Owner, instance: string, keepThrough: number): Promise<void> {
    const now = this.#clock();
    await this.#commits.write(() => {
      if (this.#sql.requeue.run({ id: queued.id, instance, now }).changes === 0) return;
      this.#sql.dropEventsAfter.run(queued.id, keepThrough);
      this.#responses.finishWithin(queued, owner);
    });
  }

  async cancel(
    responseId: string,
    owner: Owner,
    ending: StreamEnding,
  ): Promise<'queued' | 'running' | undefined> {
    return this.#commits.write(() => {
      if (this.#sql.dropQueued.run(responseId, owner).changes > 0) {
        this.#close(responseId, owner, ending);
        return 'queued' as const;
      }
      return this.#sql.flagCancel.run(responseId, owner).changes > 0 ? ('running' as const) : undefined;
    });
  }

  async takeLapsed(instance: string, now: number, leaseMs: number): Promise<LapsedRun[]> {
    return this.#commits.write(() =>
      this.#sql.takeLapsed.all({ instance, now, expires: now + leaseMs }).map((row) => ({
        ...toRun(row),
        events: this.#sql.events.all(row.response_id, -1).map(parseEvent),
        cancel: row.cancel_requested === 1,
      })),
    );
  }

  async appendEvents(responseId: string, events: readonly ResponseStreamEvent[]): Promise<void> {
    await this.#commits.write(() => this.#insertEvents(responseId, events));
  }

  async events(responseId: string, owner: Owner, after: number): Promise<ResponseStreamEvent[]> {
    return this.#sql.ownedEvents.all({ id: responseId, owner, after }).map(parseEvent);
  }

  /** A stream's end and the record that says the same, in the caller's transaction. */
  #close(responseId: string, owner: Owner, ending: StreamEnding): void {
    const { events, response } = ending(this.#sql.events.all(responseId, -1).map(parseEvent));
    this.#insertEvents(responseId, events);
    this.#responses.finishWithin(response, owner);
  }

  #insertEvents(responseId: string, events: readonly ResponseStreamEvent[]): void {
    for (const event of events)
      this.#sql.insertEvent.run(responseId, event.sequence_number, JSON.stringify(event));
  }
}

function toRun(row: RunRow): BackgroundRun {
  return {
    responseId: row.response_id,
    owner: row.owner,
    model: row.model,
    request: JSON.parse(row.request_json) as unknown,
  };
}

function parseEvent(row: { event_json: string }): ResponseStreamEvent {
  return JSON.parse(row.event_json) as ResponseStreamEvent;
}

const RUN_COLUMNS = 'response_id, owner, model, request_json';

function prepare(db: Database) {
  return {
    insertRun: db.prepare<{
      response_id: string;
      owner: string;
      model: string;
      request_json: string;
      queued_at: number;
    }>(
      `INSERT INTO background_runs (response_id, owner, model, request_json, queued_at, state)
       VALUES (:response_id, :owner, :model, :request_json, :queued_at, 'queued')`,
    ),
    claim: db.prepare<{ instance: string; expires: number; busy: string }, RunRow>(
      `UPDATE background_runs SET state = 'running', lease_owner = :instance, lease_expires_at = :expires
       WHERE response_id = (
         SELECT response_id FROM background_runs
         WHERE state = 'queued' AND model NOT IN (SELECT value FROM json_each(:busy))
         ORDER BY queued_at LIMIT 1)
       AND state = 'queued'
       RETURNING ${RUN_COLUMNS}`,
    ),
    renew: db.prepare<{ id: string; instance: string; expires: number }, { cancel_requested: number }>(
      `UPDATE background_runs SET lease_expires_at = :expires
       WHERE response_id = :id AND state = 'running' AND lease_owner = :instance
       RETURNING cancel_requested`,
    ),
    complete: db.prepare<[string, string]>(
      `DELETE FROM background_runs WHERE response_id = ? AND lease_owner = ?`,
    ),
    requeue: db.prepare<{ id: string; instance: string; now: number }>(
      `UPDATE background_runs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL
       WHERE response_id = :id AND state = 'running' AND cancel_requested = 0
         AND (lease_owner = :instance OR lease_expires_at <= :now)`,
    ),
    dropEventsAfter: db.prepare<[string, number]>(
      `DELETE FROM response_events WHERE response_id = ? AND sequence_number > ?`,
    ),
    dropQueued: db.prepare<[string, string]>(
      `DELETE FROM background_runs WHERE response_id = ? AND owner = ? AND state = 'queued'`,
    ),
    flagCancel: db.prepare<[string, string]>(
      `UPDATE background_runs SET cancel_requested = 1 WHERE response_id = ? AND owner = ? AND state = 'running'`,
    ),
    takeLapsed: db.prepare<
      { instance: string; now: number; expires: number },
      RunRow & { cancel_requested: number }
    >(
      `UPDATE background_runs SET lease_owner = :instance, lease_expires_at = :expires
       WHERE state = 'running' AND lease_expires_at <= :now
       RETURNING ${RUN_COLUMNS}, cancel_requested`,
    ),
    insertEvent: db.prepare<[string, number, string]>(
      `INSERT INTO response_events (response_id, sequence_number, event_json) VALUES (?, ?, ?)`,
    ),
    events: db.prepare<[string, number], { event_json: string }>(
      `SELECT event_json FROM response_events WHERE response_id = ? AND sequence_number > ? ORDER BY sequence_number`,
    ),
    ownedEvents: db.prepare<{ id: string; owner: string; after: number }, { event_json: string }>(
      `SELECT e.event_json FROM response_events AS e JOIN responses AS r ON r.id = e.response_id
       WHERE e.response_id = :id AND r.owner = :owner AND e.sequence_number > :after
       ORDER BY e.sequence_number`,
    ),
  };
}
