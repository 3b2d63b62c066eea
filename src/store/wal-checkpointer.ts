import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointPolicy {
  /** How often, at most, a checkpoint starts while commits keep coming. */
  everyMs: number;
  /** WAL frames past which a checkpoint also restarts the WAL from its beginning. */
  restartFrames: number;
  /** How long without checkpoints before the thread is let go (most of its ~18 MB with it). */
  idleMs: number;
  /**
   * Synced commits a checkpoint waits for: a few small ones (an idle server's lease renewals,
   * one per 10 s) are left in the WAL rather than keep a thread alive for them.
   */
  minCommits: number;
}

/**
 * Every 500 ms at most, and a restart from 2,000 frames (8 MB). One server writing flat out
 * on the development machine (~5,000 frames in 500 ms) then peaked at a WAL of 22-24 MB, clear
 * of the connection's own checkpoint at 10,000 frames (sqlite-connection.ts); restarting from
 * 4,000, at 32-38 MB; without restarts, the WAL reached that checkpoint.
 */
const POLICY: CheckpointPolicy = { everyMs: 500, restartFrames: 2000, idleMs: 30_000, minCommits: 32 };

/**
 * How long the thread's restart waits for the write lock and for readers: SQLite's busy
 * handler sleeps on the thread, never on the event loop.
 */
const RESTART_WAIT_MS = 100;

/**
 * The thread's code: its own connection to the database, one checkpoint per message. A
 * PASSIVE checkpoint never waits for readers or writers, and SQLite's own rules keep it safe
 * beside them: it syncs the WAL before copying and the database file after. But while commits
 * keep coming it never catches up with the last one, and SQLite starts the WAL over only once
 * all of it is copied; so past `restartFrames` a RESTART follows, which holds the write lock
 * while it copies the few frames committed since and waits for readers to leave the WAL.
 * Commits refused meanwhile wait off the event loop (sqlite-group-commit.ts). Source text
 * rather than a file of its own, so that the same code runs from src/ under tsx and from the
 * bundle.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.sqlite);
const db = new Sqlite(workerData.path, { fileMustExist: true, timeout: workerData.restartWaitMs });
const checkpoint = (mode) => {
  try {
    return db.pragma('wal_checkpoint(' + mode + ')')[0];
  } catch (error) {
    // Another connection's checkpoint or write holds the lock: the next message tries again.
    if (error.code !== 'SQLITE_BUSY') throw error;
    return undefined;
  }
};
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const passive = checkpoint('PASSIVE');
  if (passive && passive.log >= workerData.restartFrames) checkpoint('RESTART');
  parentPort.postMessage('done');
});
`;

/**
 * Copies a WAL database's committed pages into its file, and starts the WAL over, from a
 * thread of its own. SQLite checkpoints on the connection that commits, inside the commit,
 * and a checkpoint syncs the WAL and the database file: on the event loop, that stopped a busy
 * server for tens of milliseconds every few thousand stored responses. Here the copy and its
 * syncs run beside the event loop, at most every `everyMs` while commits come, so the WAL
 * stays small and the connection's own automatic checkpoint is left as a backstop that a busy
 * server does not reach. The thread starts with the first checkpoint, once `minCommits` were
 * synced, and ends after `idleMs` without one. Should it fail, checkpoints fall back to the
 * connection's own.
 */
export class WalCheckpointer {
  readonly #path: string;
  readonly #policy: CheckpointPolicy;
  #thread: Worker | undefined;
  #running = false;
  #lastStart = 0;
  #failed = false;
  #closed = false;
  /** Synced commits since the last checkpoint began. */
  #uncopied = 0;
  readonly #idle: NodeJS.Timeout;

  /** `path`: the database file (`portico.db`, not its `-wal`). */
  constructor(path: string, policy: CheckpointPolicy = POLICY) {
    this.#path = path;
    this.#policy = policy;
    this.#idle = setTimeout(() => void this.#stop(), policy.idleMs);
    this.#idle.unref();
  }

  /**
   * A commit was made durable: starts a checkpoint once `minCommits` were, unless one runs or
   * began less than `everyMs` ago.
   */
  committed(): void {
    if (this.#closed || this.#failed) return;
    this.#uncopied += 1;
    const now = Date.now();
    if (this.#uncopied < this.#policy.minCommits) return;
    if (this.#running || now - this.#lastStart < this.#policy.everyMs) return;
    this.#idle.refresh();
    this.#uncopied = 0;
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
      workerData: {
        path: this.#path,
        sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
        restartFrames: this.#policy.restartFrames,
        restartWaitMs: RESTART_WAIT_MS,
      },
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
