import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often, at most, a checkpoint starts while commits keep coming. */
const CHECKPOINT_EVERY_MS = 500;
/** How long without commits before the thread is let go (most of its ~18 MB with it). */
const IDLE_MS = 30_000;

/**
 * The thread's code: its own connection to the database, one PASSIVE checkpoint per message
 * (it never waits for readers or writers, and SQLite's own rules keep it safe beside them: it
 * syncs the WAL before copying and the database file after). Source text rather than a file
 * of its own, so that the same code runs from src/ under tsx and from the bundle.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.sqlite);
const db = new Sqlite(workerData.path, { fileMustExist: true, timeout: 0 });
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Another process's checkpoint holds the lock: it does the same work.
    if (error.code !== 'SQLITE_BUSY') throw error;
  }
  parentPort.postMessage('done');
});
`;

/**
 * Copies a WAL database's committed pages into its file from a thread of its own. SQLite
 * checkpoints on the connection that commits, inside the commit, and a checkpoint syncs the
 * WAL and the database file: on the event loop, that stopped a busy server for tens of
 * milliseconds every few thousand stored responses (its p99 at full speed fell from ~40 ms to
 * ~20-26 with no checkpoint at all). Here the copy and its syncs run beside the event loop,
 * every `CHECKPOINT_EVERY_MS` at most while commits come, so the WAL stays small and the
 * connection's own automatic checkpoint (sqlite-connection.ts) is left as a backstop that a
 * busy server does not reach. The thread starts with the first commit and ends after
 * `IDLE_MS` without one. Should it fail, checkpoints fall back to the connection's own.
 */
export class WalCheckpointer {
  readonly #path: string;
  #thread: Worker | undefined;
  #running = false;
  #lastStart = 0;
  #failed = false;
  #closed = false;
  readonly #idle: NodeJS.Timeout;

  /** `path`: the database file (`portico.db`, not its `-wal`). */
  constructor(path: string) {
    this.#path = path;
    this.#idle = setTimeout(() => void this.#stop(), IDLE_MS);
    this.#idle.unref();
  }

  /** Commits were made durable: starts a checkpoint unless one runs or began less than `CHECKPOINT_EVERY_MS` ago. */
  committed(): void {
    if (this.#closed || this.#failed) return;
    this.#idle.refresh();
    const now = Date.now();
    if (this.#running || now - this.#lastStart < CHECKPOINT_EVERY_MS) return;
    this.#lastStart = now;
    this.#running = true;
    (this.#thread ??= this.#start()).postMessage('checkpoint');
  }

  /** Waits for a running checkpoint and ends the thread. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idle);
    await this.#stop();
  }

  #start(): Worker {
    const thread = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { path: this.#path, sqlite: createRequire(import.meta.url).resolve('better-sqlite3') },
      // Not the server's flags (its young generation, a loader): the thread allocates next to nothing.
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    // Never what keeps a process alive.
    thread.unref();
    thread.on('message', () => (this.#running = false));
    thread.on('error', () => {
      this.#failed = true;
      this.#running = false;
    });
    thread.on('exit', () => {
      if (this.#thread === thread) this.#thread = undefined;
      this.#running = false;
    });
    return thread;
  }

  /** Ends the thread once its checkpoint, if any, is done: `close` is queued behind it. */
  async #stop(): Promise<void> {
    const thread = this.#thread;
    if (!thread) return;
    this.#thread = undefined;
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    // Held until it has closed its connection, even by a process that is otherwise done.
    thread.ref();
    thread.postMessage('close');
    await exited;
  }
}
