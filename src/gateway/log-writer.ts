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
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(
    private readonly store: LogStore,
    private readonly logger: Logger,
  ) {}

  add(entry: LogEntry): void {
    if (this.#queue.length >= MAX_QUEUE) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(entry);
    if (this.#queue.length >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /** Writes everything queued so far; resolves once it is in the store. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (this.#dropped > 0) {
      this.logger.error('log entries were dropped: the log store is not keeping up', {
        dropped: this.#dropped,
      });
      this.#dropped = 0;
    }
    this.#writing = this.#writing.then(async () => {
      for (let start = 0; start < batch.length; start += MAX_BATCH) {
        const part = batch.slice(start, start + MAX_BATCH);
        try {
          await this.store.insert(part);
        } catch (error) {
          this.logger.error('a batch of log entries could not be written', {
            entries: part.length,
            error: String(error),
          });
        }
      }
    });
    return this.#writing;
  }
}
