import type { Logger } from '../logger.ts';
import type { LogEntry, LogStore } from '../store/log-store.ts';

/** How long an entry may wait for company before its batch is written. */
const FLUSH_AFTER_MS = 50;
const MAX_BATCH = 500;
/** Beyond this many waiting entries (a stalled disk), new ones are dropped and counted, never held. */
const MAX_QUEUE = 50_000;

/**
 * Writes logs off the response path: entries queue in memory and go to the store in batches,
 * one transaction each, so logging never slows or fails a response. A failed batch is
 * reported to the server log and dropped.
 */
export class LogWriter {
  #queue: LogEntry[] = [];
  /** Entries of requests not logged, queued for their cost alone (LogStore.insert's `unlogged`). */
  #unlogged: LogEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #dropped = 0;
  /** Entries flushed whose batch is not written yet: what a stalled store holds in memory. */
  #writingCount = 0;

  constructor(
    private readonly store: LogStore,
    private readonly logger: Logger,
  ) {}

  /** Queues an entry to be kept, or with `logged` false, only to add its cost to the spend. */
  add(entry: LogEntry, logged = true): void {
    const waiting = this.#queue.length + this.#unlogged.length;
    if (waiting + this.#writingCount >= MAX_QUEUE) {
      this.#dropped += 1;
      return;
    }
    (logged ? this.#queue : this.#unlogged).push(entry);
    if (waiting + 1 >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /** Writes everything queued so far; resolves once it is in the store. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    const unlogged = this.#unlogged;
    this.#queue = [];
    this.#unlogged = [];
    if (this.#dropped > 0) {
      this.logger.error('log entries were dropped: the log store is not keeping up', {
        dropped: this.#dropped,
      });
      this.#dropped = 0;
    }
    const size = batch.length + unlogged.length;
    if (size === 0) return this.#writing;
    this.#writingCount += size;
    this.#writing = this.#writing.then(async () => {
      // add() flushes once MAX_BATCH entries wait, so a batch is one transaction's worth.
      try {
        await this.store.insert(batch, unlogged);
      } catch (error) {
        this.logger.error('a batch of log entries could not be written', {
          entries: size,
          error: String(error),
        });
      } finally {
        this.#writingCount -= size;
      }
    });
    return this.#writing;
  }
}
