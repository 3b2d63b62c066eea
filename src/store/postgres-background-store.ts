import type { PoolClient } from 'pg';
import type { Item } from '../api/items.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { BackgroundRun, BackgroundStore, LapsedRun, StreamEnding } from './background-store.ts';
import type { Owner } from './owner.ts';
import type { PostgresDatabase } from './postgres-connection.ts';
import { sql } from './postgres-query.ts';
import type { PostgresResponseStore } from './postgres-store.ts';

interface RunRow {
  response_id: string;
  owner: string;
  model: string;
  request_json: string;
}

const RUN_COLUMNS = 'response_id, owner, model, request_json';
/** A run leaves the queue; only its holder takes it out. */
const COMPLETE = sql(`DELETE FROM background_runs WHERE response_id = $1 AND lease_owner = $2`);

/**
 * The BackgroundStore on PostgreSQL, where several replicas share the queue: a claim takes
 * its row with `FOR UPDATE SKIP LOCKED`, so replicas claiming at once never take the same run
 * and never wait on each other.
 */
export class PostgresBackgroundStore implements BackgroundStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly responses: PostgresResponseStore,
    private readonly clock: () => number,
  ) {}

  async enqueue(
    response: ResponseObject,
    input: readonly Item[],
    run: BackgroundRun,
    events: readonly ResponseStreamEvent[],
  ): Promise<void> {
    await this.db.transaction(async (client) => {
      await this.responses.beginWithin(client, response, input, run.owner);
      await this.db.query(
        sql(`INSERT INTO background_runs (response_id, owner, model, request_json, queued_at, state)
             VALUES ($1, $2, $3, $4, $5, 'queued')`),
        [run.responseId, run.owner, run.model, JSON.stringify(run.request), this.clock()],
        client,
      );
      await this.insertEvents(client, run.responseId, events);
    });
  }

  async claim(
    instance: string,
    busyModels: readonly string[],
    now: number,
    leaseMs: number,
  ): Promise<BackgroundRun | undefined> {
    const [row] = await this.db.query<RunRow>(
      sql(`UPDATE background_runs SET state = 'running', lease_owner = $1, lease_expires_at = $2
           WHERE response_id = (
             SELECT response_id FROM background_runs
             WHERE state = 'queued' AND NOT (model = ANY ($3::text[]))
             ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING ${RUN_COLUMNS}`),
      [instance, now + leaseMs, [...busyModels]],
    );
    return row && toRun(row);
  }

  async renew(
    responseId: string,
    instance: string,
    now: number,
    leaseMs: number,
  ): Promise<{ held: boolean; cancel: boolean }> {
    const [row] = await this.db.query<{ cancel_requested: boolean }>(
      sql(`UPDATE background_runs SET lease_expires_at = $3
           WHERE response_id = $1 AND state = 'running' AND lease_owner = $2
           RETURNING cancel_requested`),
      [responseId, instance, now + leaseMs],
    );
    return { held: row !== undefined, cancel: row?.cancel_requested === true };
  }

  async complete(responseId: string, instance: string): Promise<void> {
    await this.db.execute(COMPLETE, [responseId, instance]);
  }

  async end(responseId: string, owner: Owner, instance: string, ending: StreamEnding): Promise<void> {
    await this.db.transaction(async (client) => {
      if ((await this.db.execute(COMPLETE, [responseId, instance], client)) > 0)
        await this.close(client, responseId, owner, ending);
    });
  }

  async requeue(queued: ResponseObject, owner: Owner, instance: string, keepThrough: number): Promise<void> {
    await this.db.transaction(async (client) => {
      const moved = await this.db.execute(
        sql(`UPDATE background_runs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL
             WHERE response_id = $1 AND state = 'running' AND NOT cancel_requested
               AND (lease_owner = $2 OR lease_expires_at <= $3)`),
        [queued.id, instance, this.clock()],
        client,
      );
      if (moved === 0) return;
      await this.db.query(
        sql(`DELETE FROM response_events WHERE response_id = $1 AND sequence_number > $2`),
        [queued.id, keepThrough],
        client,
      );
      await this.responses.finishWithin(client, queued, owner);
    });
  }

  async cancel(
    responseId: string,
    owner: Owner,
    ending: StreamEnding,
  ): Promise<'queued' | 'running' | undefined> {
    return this.db.transaction(async (client) => {
      const dropped = await this.db.execute(
        sql(`DELETE FROM background_runs WHERE response_id = $1 AND owner = $2 AND state = 'queued'`),
        [responseId, owner],
        client,
      );
      if (dropped > 0) {
        await this.close(client, responseId, owner, ending);
        return 'queued';
      }
      const flagged = await this.db.execute(
        sql(`UPDATE background_runs SET cancel_requested = true
             WHERE response_id = $1 AND owner = $2 AND state = 'running'`),
        [responseId, owner],
        client,
      );
      return flagged > 0 ? 'running' : undefined;
    });
  }

  async takeLapsed(instance: string, now: number, leaseMs: number): Promise<LapsedRun[]> {
    return this.db.transaction(async (client) => {
      const rows = await this.db.query<RunRow & { cancel_requested: boolean }>(
        sql(`UPDATE background_runs SET lease_owner = $1, lease_expires_at = $3
             WHERE response_id IN (
               SELECT response_id FROM background_runs
               WHERE state = 'running' AND lease_expires_at <= $2 FOR UPDATE SKIP LOCKED)
             RETURNING ${RUN_COLUMNS}, cancel_requested`),
        [instance, now, now + leaseMs],
        client,
      );
      const lapsed: LapsedRun[] = [];
      for (const row of rows)
        lapsed.push({
          ...toRun(row),
          events: await this.read(client, row.response_id),
          cancel: row.cancel_requested,
        });
      return lapsed;
    });
  }

  async appendEvents(responseId: string, events: readonly ResponseStreamEvent[]): Promise<void> {
    await this.db.transaction((client) => this.insertEvents(client, responseId, events));
  }

  async events(responseId: string, owner: Owner, after: number): Promise<ResponseStreamEvent[]> {
    const rows = await this.db.query<{ event_json: string }>(
      sql(`SELECT e.event_json FROM response_events AS e JOIN responses AS r ON r.id = e.response_id
           WHERE e.response_id = $1 AND r.owner = $2 AND e.sequence_number > $3
           ORDER BY e.sequence_number`),
      [responseId, owner, after],
    );
    return rows.map((row) => JSON.parse(row.event_json) as ResponseStreamEvent);
  }

  /** A stream's end and the record that says the same, in the caller's transaction. */
  private async close(
    client: PoolClient,
    responseId: string,
    owner: Owner,
    ending: StreamEnding,
  ): Promise<void> {
    const { events, response } = ending(await this.read(client, responseId));
    await this.insertEvents(client, responseId, events);
    await this.responses.finishWithin(client, response, owner);
  }

  private async read(client: PoolClient, responseId: string): Promise<ResponseStreamEvent[]> {
    const rows = await this.db.query<{ event_json: string }>(
      sql(`SELECT event_json FROM response_events WHERE response_id = $1 ORDER BY sequence_number`),
      [responseId],
      client,
    );
    return rows.map((row) => JSON.parse(row.event_json) as ResponseStreamEvent);
  }

  private async insertEvents(
    client: PoolClient,
    responseId: string,
    events: readonly ResponseStreamEvent[],
  ): Promise<void> {
    if (events.length === 0) return;
    await this.db.query(
      sql(`INSERT INTO response_events (response_id, sequence_number, event_json)
           SELECT $1, sequence_number, event_json FROM unnest($2::int[], $3::text[]) AS given (sequence_number, event_json)`),
      [
        responseId,
        events.map((event) => event.sequence_number),
        events.map((event) => JSON.stringify(event)),
      ],
      client,
    );
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
