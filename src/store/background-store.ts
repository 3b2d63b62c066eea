import type { Item } from '../api/items.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { Owner } from './owner.ts';

/** A background response's run, as queued: what a worker needs to run it anywhere. */
export interface BackgroundRun {
  responseId: string;
  owner: Owner;
  /** The catalog id of the model, for per-model concurrency. */
  model: string;
  /** The create request as JSON, its input already normalized (item ids assigned). */
  request: unknown;
}

/** A run some instance held when its lease lapsed, and what it had streamed by then. */
export interface LapsedRun extends BackgroundRun {
  /** The run's stored events, in order. */
  events: ResponseStreamEvent[];
  /** A cancel was asked for before its holder stopped. */
  cancel: boolean;
}

/**
 * How a background response's stream ends when its run does not end it (a cancel, a crash):
 * made from its stored events inside the transaction that writes it, it gives the events that
 * close the stream (its terminal event last) and the response as it ended.
 */
export type StreamEnding = (events: readonly ResponseStreamEvent[]) => {
  events: ResponseStreamEvent[];
  response: ResponseObject;
};

/**
 * Background runs and the stored events of background responses. A run is claimed by one
 * instance at a time under a lease (an owner instance id and an expiry) that the instance
 * renews while it runs; only a lapsed lease lets another instance take the run back, so with
 * several replicas on one database a run is never run twice and no live work is taken over.
 * One contract suite (test/background-store-contract.ts) runs over every backend.
 */
export interface BackgroundStore {
  /**
   * Records a queued background response in one transaction: the response and its input
   * (as ResponseStore.begin does), its run, and its first stream events.
   */
  enqueue(
    response: ResponseObject,
    input: readonly Item[],
    run: BackgroundRun,
    events: readonly ResponseStreamEvent[],
  ): Promise<void>;
  /**
   * Claims the longest-waiting queued run whose model is not in `busyModels`, for `instance`
   * until `now + leaseMs`. Two instances claiming at once never get the same run.
   */
  claim(
    instance: string,
    busyModels: readonly string[],
    now: number,
    leaseMs: number,
  ): Promise<BackgroundRun | undefined>;
  /**
   * Extends the lease of a run `instance` holds. `held` is false when it no longer holds it;
   * `cancel` is true once a cancel was asked for.
   */
  renew(
    responseId: string,
    instance: string,
    now: number,
    leaseMs: number,
  ): Promise<{ held: boolean; cancel: boolean }>;
  /** The run has ended (whatever its outcome): it leaves the queue. Only its holder can end it. */
  complete(responseId: string, instance: string): Promise<void>;
  /**
   * Ends a run that `instance` holds in one transaction, so that a crash leaves all or none of
   * it: its stream closed by `ending`, its response recorded as `ending` says
   * (ResponseStore.finish's write), the run out of the queue. Nothing is written when
   * `instance` no longer holds it.
   */
  end(responseId: string, owner: Owner, instance: string, ending: StreamEnding): Promise<void>;
  /**
   * Puts a run that `instance` holds (or whose lease lapsed) back in the queue, in one
   * transaction with its record (`queued`: the response queued again), dropping its events
   * after `keepThrough`.
   */
  requeue(queued: ResponseObject, owner: Owner, instance: string, keepThrough: number): Promise<void>;
  /**
   * Asks for a run to stop: a queued run is ended at once, as `end` ends one, its stream closed
   * by `ending` (`queued`); a running one is flagged for its holder (`running`); `undefined`
   * when the owner has no such live run.
   */
  cancel(responseId: string, owner: Owner, ending: StreamEnding): Promise<'queued' | 'running' | undefined>;
  /**
   * Takes the runs whose holder let its lease lapse (it died or hung) for `instance` to
   * recover: each is handed to exactly one caller, with a fresh lease.
   */
  takeLapsed(instance: string, now: number, leaseMs: number): Promise<LapsedRun[]>;
  /** Adds events of a background response; their sequence numbers continue the stored ones. */
  appendEvents(responseId: string, events: readonly ResponseStreamEvent[]): Promise<void>;
  /** The stored events after `after` (a sequence number; -1 for all), oldest first. */
  events(responseId: string, owner: Owner, after: number): Promise<ResponseStreamEvent[]>;
}
