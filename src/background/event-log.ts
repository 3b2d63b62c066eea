import type { ResponseStreamEvent } from '../api/stream-events.ts';
import type { BackgroundStore } from '../store/background-store.ts';
import type { Owner } from '../store/owner.ts';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);
const FLUSH_NOW = new Set([...TERMINAL, 'response.created', 'response.queued', 'response.in_progress']);
/** Events written in one batch at most. */
const BATCH = 256;

export interface EventLogOptions {
  /** Milliseconds a delta may wait before its batch is written. */
  flushMs: number;
  /** Milliseconds between reads of the store while following a response run elsewhere. */
  pollMs: number;
  /** Whether the response has ended (nothing more will be written), as the store says. */
  isOver(responseId: string, owner: Owner): Promise<boolean>;
}

/** A background response running here: the events it produced but not yet wrote, and the last one written. */
interface Live {
  pending: ResponseStreamEvent[];
  writtenThrough: number;
  timer: NodeJS.Timeout | undefined;
  writing: Promise<void>;
}

/** Records the events of one background response as its run produces them. */
export interface EventRecorder {
  push(event: ResponseStreamEvent): void;
  /** Writes what is left; the recorder is done. */
  close(): Promise<void>;
}

/**
 * The stored event streams of background responses. A run's events are written in batches
 * (lifecycle and terminal events at once, deltas within `flushMs`). A follower, here or
 * anywhere, sees an event only once it is written, so a crash never takes back an event a
 * client was shown, and its `sequence_number` is always a safe `starting_after`. Followers here
 * are woken by each write; those elsewhere poll. Followers replay from any sequence number,
 * then follow.
 */
export class EventLog {
  readonly #live = new Map<string, Live>();
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly store: BackgroundStore,
    private readonly options: EventLogOptions,
  ) {}

  open(responseId: string): EventRecorder {
    const live: Live = { pending: [], writtenThrough: -1, timer: undefined, writing: Promise.resolve() };
    this.#live.set(responseId, live);
    this.#wake(responseId);
    // One write at a time, each taking what is pending when it starts; followers here read
    // what each one wrote.
    const flush = (): Promise<void> => {
      clearTimeout(live.timer);
      live.timer = undefined;
      live.writing = live.writing.then(async () => {
        while (live.pending.length > 0) {
          const batch = live.pending.slice(0, BATCH);
          try {
            await this.store.appendEvents(responseId, batch);
          } catch {
            // The response was deleted while it ran: its run is stopped through its lease.
            live.pending.length = 0;
            return;
          }
          live.pending.splice(0, batch.length);
          live.writtenThrough = batch.at(-1)!.sequence_number;
          this.#wake(responseId);
        }
      });
      return live.writing;
    };
    return {
      push: (event) => {
        live.pending.push(event);
        if (FLUSH_NOW.has(event.type) || live.pending.length >= BATCH) void flush();
        else live.timer ??= setTimeout(() => void flush(), this.options.flushMs);
      },
      close: async () => {
        await flush();
        if (this.#live.get(responseId) === live) this.#live.delete(responseId);
        this.#wake(responseId);
      },
    };
  }

  /**
   * The events of a background response after sequence number `after` (-1 for all): the
   * stored ones, then each new one as it comes, until its terminal event or until the
   * response has ended. Stopping the generator stops only this follower, never the run.
   */
  async *follow(
    responseId: string,
    owner: Owner,
    after: number,
    signal: AbortSignal,
  ): AsyncGenerator<ResponseStreamEvent, void, undefined> {
    let cursor = after;
    let over = false;
    while (!signal.aborted) {
      const writtenBefore = this.#live.get(responseId)?.writtenThrough;
      for (const event of await this.store.events(responseId, owner, cursor)) {
        yield event;
        cursor = event.sequence_number;
        if (TERMINAL.has(event.type)) return;
      }
      const live = this.#live.get(responseId);
      if (live) {
        // Written while this follower read or yielded: read again.
        if (live.writtenThrough !== writtenBefore) continue;
      } else if (await this.options.isOver(responseId, owner)) {
        // A run records its end before its terminal event leaves: from a process that ran it,
        // the event may still be on its way. Once more after a poll; then, ended without one
        // (cancelled), what was written last is all there is.
        if (over) {
          for (const event of await this.store.events(responseId, owner, cursor)) yield event;
          return;
        }
        over = true;
      }
      await this.#wait(responseId, signal);
    }
  }

  /** Until something happens to the response here, or `pollMs` passes (it may run elsewhere). */
  #wait(responseId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(responseId) ?? new Set<() => void>();
      this.#waiters.set(responseId, waiters);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(responseId) === waiters) this.#waiters.delete(responseId);
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs);
      signal.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  #wake(responseId: string): void {
    for (const waiter of [...(this.#waiters.get(responseId) ?? [])]) waiter();
  }
}
