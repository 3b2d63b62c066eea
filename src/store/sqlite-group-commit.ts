import { open, type FileHandle } from 'node:fs/promises';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer.ts';

/** What makes a commit durable: an fdatasync of the WAL file. */
export interface DurableFile {
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The WAL of the database at `database`, synced through a handle kept open (SQLite removes the
 * file only when the last connection to the database closes, and the connection this serves is
 * open), and checkpointed into the database off the event loop once synced (wal-checkpointer.ts).
 */
export function walFile(database: string, checkpoints = new WalCheckpointer(database)): DurableFile {
  const path = `${database}-wal`;
  let handle: FileHandle | undefined;
  return {
    async sync() {
      handle ??= await open(path, 'r');
      await handle.datasync();
      checkpoints.committed();
    },
    async close() {
      await checkpoints.close();
      await handle?.close();
      handle = undefined;
    },
  };
}

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How long a batch keeps trying for the write lock that another process holds: the handle's busy timeout. */
const LOCK_WAIT_MS = 5000;

/**
 * A batch commits without syncing and without sleeping for the lock; the handle's own writes
 * keep syncing and waiting. Set by exec, not by prepared statements: SQLite applies these
 * pragmas when a statement is prepared, so running a prepared one again changes nothing.
 */
const BATCH_SETTINGS = 'PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 0';
const HANDLE_SETTINGS = `PRAGMA synchronous = FULL; PRAGMA busy_timeout = ${LOCK_WAIT_MS}`;

const DONE = Promise.resolve();

/** Rows a prune (of logs, of the cache) deletes per write, so that a large one never holds the event loop. */
export const PRUNE_ROWS_PER_WRITE = 2_000;

function isBusy(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_BUSY';
}

/**
 * Group commit for SQLite in WAL mode. Writes queue for one turn of the event loop (or, while
 * a sync runs, until it ends), run in one
 * transaction (when one write fails, the batch is rolled back and run again with each write in a
 * savepoint of its own, so that it fails alone), committed
 * without waiting for the disk (`synchronous = NORMAL` for that commit only), and then made
 * durable by one `fdatasync` of the WAL file on libuv's thread pool. A writer's promise resolves
 * only once its batch is on disk, exactly as a `synchronous = FULL` commit would be, but the
 * event loop never blocks on the disk and one sync serves every write that came in while the
 * previous one ran: the cost per write falls as load rises. Writes elsewhere on the handle keep
 * the connection's `synchronous = FULL`. A checkpoint under NORMAL syncs the WAL before it
 * copies it, so a commit is never lost between its write and its sync.
 * A batch that changed no row (a poll, a recovery that found nothing) needs no sync of its own:
 * it resolves once the syncs already begun or queued end, since it may have read their commits.
 *
 * When another process holds the write lock (`portico serve --workers N` shares one database),
 * SQLite's busy handler would sleep on the event loop; a batch instead asks for the lock without
 * waiting and, refused, goes back to the queue for a later turn, gathering the writes that come
 * meanwhile, while this process keeps serving.
 */
export class SqliteGroupCommit {
  readonly #db: Database;
  readonly #wal: DurableFile;
  /** The batch's transaction; and again with a savepoint per write, once one failed. Made once, not per batch. */
  readonly #batch: Transaction<(batch: Pending[], results: Result[]) => void>;
  readonly #isolated: Transaction<(batch: Pending[], results: Result[]) => void>;
  /** Rows the connection changed since it opened: a batch that changed none has nothing to sync. */
  readonly #totalChanges: Statement<[], number>;
  #queue: Pending[] = [];
  #scheduled = false;
  /** When the first refused try of the batch now waiting for the lock was made. */
  #lockWaitSince: number | undefined;
  /** The sync now running, and the one queued behind it for writes it may have missed. */
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(db: Database, wal: DurableFile) {
    this.#db = db;
    this.#wal = wal;
    this.#totalChanges = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.#batch = db.transaction((batch: Pending[], results: Result[]) => {
      for (const pending of batch) results.push({ ok: true, value: pending.work() });
    });
    const savepoint = db.transaction((work: () => unknown) => work());
    this.#isolated = db.transaction((batch: Pending[], results: Result[]) => {
      for (const pending of batch) {
        try {
          results.push({ ok: true, value: savepoint(pending.work) });
        } catch (error) {
          results.push({ ok: false, error });
        }
      }
    });
  }

  /** Runs `work` in the next batch's transaction; resolves with its result once the batch is durable. */
  write<T>(work: () => T): Promise<T> {
    const done = new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // While a sync runs, writes gather until it ends: only the next sync could make them
      // durable anyway, and one transaction for all of them writes fewer WAL pages than one per turn.
      const running = this.#running;
      if (running) void running.then(this.#commitSoon, this.#commitSoon);
      else this.#commitSoon();
    }
    const settled = done.then(
      () => {},
      () => {},
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return done;
  }

  /**
   * Runs `deleteSome` (which deletes at most `batch` rows and says how many) a write at a time
   * until one deletes fewer, so a large deletion never holds the event loop; how many in all.
   */
  async deleteInBatches(batch: number, deleteSome: () => number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const some = await this.write(deleteSome);
      deleted += some;
      if (some < batch) return deleted;
    }
  }

  /** Waits for every queued write to be committed and synced, then lets go of the WAL file. */
  async close(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    // A sync can outlive its writes' promises (when they were rejected): let it end first.
    await Promise.allSettled([this.#running, this.#next]);
    await this.#wal.close();
  }

  /** Savepoints cost two statements a write: taken only when a write of the batch fails. */
  #runBatch(batch: Pending[], results: Result[]): void {
    try {
      this.#batch.immediate(batch, results);
    } catch (error) {
      // Refused the lock: nothing ran. A write threw: the batch was rolled back; run it again, isolated.
      if (isBusy(error) && results.length === 0) throw error;
      results.length = 0;
      this.#isolated.immediate(batch, results);
    }
  }

  readonly #commitSoon = (): void => void setImmediate(() => this.#commit());

  #commit(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    const results: Result[] = [];
    let changesBefore: number;
    try {
      changesBefore = this.#totalChanges.get()!;
      this.#db.exec(BATCH_SETTINGS);
      this.#runBatch(batch, results);
    } catch (error) {
      const now = Date.now();
      if (isBusy(error) && now - (this.#lockWaitSince ??= now) < LOCK_WAIT_MS) {
        this.#queue = [...batch, ...this.#queue];
        this.#scheduled = true;
        setTimeout(() => this.#commit(), 1);
        return;
      }
      this.#lockWaitSince = undefined;
      // The batch's transaction could not commit (the database is busy, full or closed): all of it failed.
      for (const pending of batch) pending.reject(error);
      return;
    } finally {
      if (this.#db.open) this.#db.exec(HANDLE_SETTINGS);
    }
    this.#lockWaitSince = undefined;
    if (results.every((result) => !result.ok)) {
      batch.forEach((pending, i) => pending.reject((results[i] as { error: unknown }).error));
      return;
    }
    // A batch that changed nothing (a poll, a recovery that found nothing) syncs nothing, but
    // what it read may be another batch's commit not yet on disk: it waits for the syncs begun or queued.
    const durable =
      this.#totalChanges.get()! !== changesBefore ? this.#sync() : (this.#next ?? this.#running ?? DONE);
    batch.forEach((pending, i) => {
      const result = results[i]!;
      if (!result.ok) pending.reject(result.error);
      else durable.then(() => pending.resolve(result.value), pending.reject);
    });
  }

  /** A sync that starts after now: joins the one queued behind a running sync, if any. */
  #sync(): Promise<void> {
    if (this.#next) return this.#next;
    const after = this.#running ?? Promise.resolve();
    const next = after
      .catch(() => {})
      .then(() => {
        this.#next = undefined;
        const running = this.#wal.sync().finally(() => {
          if (this.#running === running) this.#running = undefined;
        });
        this.#running = running;
        return running;
      });
    this.#next = next;
    return next;
  }
}
