import { ApiError } from '../../api/errors.ts';
import type { ToolsConfig } from '../../config/tools-config.ts';
import { PythonProcess, type RunResult, type SandboxFile, type SandboxLimits } from './python-process.ts';

/**
 * Interpreter processes kept alive at once (each holds about 150 MiB idle): past it, the one idle
 * longest ends (its container keeps its files; its Python state starts afresh on its next run),
 * and when none is idle a new container's run waits, in order, for one to come free.
 */
const MAX_PROCESSES = 8;
/** How long a run waits for an interpreter to come free before it is refused. */
const WAIT_MS = 30_000;

/** A stored version of a container file, by its path in the sandbox (under /mnt/data). */
export interface FileVersion {
  path: string;
  id: string;
}

/** One run of code in a container's interpreter. */
export interface InterpreterRun {
  container: string;
  code: string;
  /**
   * Called when the run's turn comes: the container's stored files that the interpreter lacks,
   * given those it holds (path → stored file id), each with its version.
   */
  fresh(held: ReadonlyMap<string, string>): Promise<Array<SandboxFile & { id: string }>>;
  /** Called after the run, still in its turn: stores what it wrote; the versions stored. */
  keep(result: RunResult): Promise<FileVersion[]>;
}

/**
 * The Python interpreters of the containers in use: one process per container, whose state
 * (variables, imports, files) lives on between runs. One set per machine: `portico serve
 * --workers N` keeps them in its primary (src/workers), so that every worker's runs on a
 * container reach the same interpreter.
 */
export interface Interpreters {
  /** Runs `run` in its container's interpreter (started on first use), one run at a time per container. */
  run(run: InterpreterRun, signal: AbortSignal): Promise<void>;
  /** Ends a container's interpreter (it expired or was deleted). */
  stop(container: string): void;
  close(): void;
}

/** What the pool needs of an interpreter process: PythonProcess, or a stand-in in tests. */
export interface InterpreterProcess {
  run(code: string, files: readonly SandboxFile[], signal: AbortSignal): Promise<RunResult>;
  kill(): void;
}

export interface PoolOptions {
  now?: () => number;
  /** Starts the interpreter of a container (a process starts on its first run). */
  newProcess?: (limits: SandboxLimits) => InterpreterProcess;
  maxProcesses?: number;
  waitMs?: number;
}

interface Running {
  process: InterpreterProcess;
  /** Which version (file id) of each path the process holds. */
  held: Map<string, string>;
  /** Runs on one container are serialized: one interpreter, one program at a time. */
  queue: Promise<unknown>;
  /** Runs queued or running now. */
  busy: number;
  /** When it last finished a run (milliseconds). */
  lastUsed: number;
  /** Whether it holds one of the pool's places; a container waiting for one holds none yet. */
  placed: boolean;
  /** Stopped (expired, deleted, or ended to make room): the runs still queued on it are refused. */
  stopped: boolean;
}

/** A run waiting for a place for its container's interpreter. */
interface Waiting {
  running: Running;
  grant(): void;
  refuse(reason: Error): void;
}

/** The interpreters themselves, in this process. */
export class InterpreterPool implements Interpreters {
  private readonly running = new Map<string, Running>();
  /** Runs waiting for a place, first come first served. */
  private readonly waiting: Waiting[] = [];
  private readonly now: () => number;
  private readonly newProcess: (limits: SandboxLimits) => InterpreterProcess;
  private readonly maxProcesses: number;
  private readonly waitMs: number;

  constructor(
    private readonly config: ToolsConfig['codeInterpreter'],
    options: PoolOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.newProcess = options.newProcess ?? ((limits) => new PythonProcess(limits));
    this.maxProcesses = options.maxProcesses ?? MAX_PROCESSES;
    this.waitMs = options.waitMs ?? WAIT_MS;
  }

  run(run: InterpreterRun, signal: AbortSignal): Promise<void> {
    let running = this.running.get(run.container);
    if (!running) {
      running = {
        process: this.newProcess({
          ...this.config,
          isolateNetwork: this.config.networkIsolation === 'namespace',
        }),
        held: new Map(),
        queue: Promise.resolve(),
        busy: 0,
        lastUsed: this.now(),
        placed: false,
        stopped: false,
      };
      this.running.set(run.container, running);
    }
    const current = running;
    current.busy++;
    const done = current.queue
      .then(() => this.place(current, signal))
      .then(() => this.runNow(current, run, signal))
      .finally(() => {
        current.busy--;
        current.lastUsed = this.now();
        if (current.busy === 0) this.idle(run.container, current);
      });
    current.queue = done.catch(() => undefined);
    return done;
  }

  stop(container: string): void {
    const running = this.end(container);
    if (!running) return;
    for (const waiting of this.waiting.filter((entry) => entry.running === running))
      waiting.refuse(stoppedError());
    if (running.placed) this.handOn();
  }

  close(): void {
    for (const container of [...this.running.keys()]) this.stop(container);
  }

  private async runNow(running: Running, run: InterpreterRun, signal: AbortSignal): Promise<void> {
    const fresh = await run.fresh(running.held);
    let result: RunResult;
    try {
      result = await running.process.run(
        run.code,
        fresh.map(({ path, data }) => ({ path, data })),
        signal,
      );
    } catch (error) {
      running.held.clear(); // a killed process starts again with every file
      throw error;
    }
    for (const { path, id } of fresh) running.held.set(path, id);
    for (const { path, id } of await run.keep(result)) running.held.set(path, id);
  }

  /**
   * Gives the container a place for its process: at once when one is free and nobody waits
   * (ending the process idle longest at the limit), else the first that comes free after those
   * asked before. Waits at most `waitMs`, and no longer than the run wants.
   */
  private place(running: Running, signal: AbortSignal): Promise<void> {
    if (running.stopped) return Promise.reject(stoppedError());
    if (running.placed) return Promise.resolve();
    signal.throwIfAborted();
    if (this.waiting.length === 0 && this.freePlace()) {
      running.placed = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const at = this.waiting.indexOf(waiting);
        if (at >= 0) this.waiting.splice(at, 1);
      };
      const waiting: Waiting = {
        running,
        grant: () => {
          leave();
          running.placed = true;
          resolve();
        },
        refuse: (reason) => {
          leave();
          reject(reason);
        },
      };
      const onAbort = () =>
        waiting.refuse(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(() => waiting.refuse(busy(this.maxProcesses, this.waitMs)), this.waitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiting);
    });
  }

  /** Whether a place is free: under the limit, or once the process idle longest has ended. */
  private freePlace(): boolean {
    const placed = [...this.running].filter(([, running]) => running.placed);
    if (placed.length < this.maxProcesses) return true;
    const idle = placed.filter(([, running]) => running.busy === 0);
    idle.sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    if (!idle[0]) return false;
    this.end(idle[0][0]);
    return true;
  }

  /** Ends a container's process and forgets it; the one it was, if any. */
  private end(container: string): Running | undefined {
    const running = this.running.get(container);
    if (!running) return undefined;
    running.process.kill();
    running.stopped = true;
    this.running.delete(container);
    return running;
  }

  /** A container with nothing left to run: its place goes to whoever waits; one with no place is forgotten. */
  private idle(container: string, running: Running): void {
    if (!running.placed) {
      if (this.running.get(container) === running) this.running.delete(container);
    } else this.handOn();
  }

  /** Gives the places that are free, or that an idle process can leave, to those waiting, in order. */
  private handOn(): void {
    while (this.waiting.length > 0 && this.freePlace()) this.waiting[0]!.grant();
  }
}

function stoppedError(): Error {
  return new Error('The container was stopped (it expired or was deleted) before its run began.');
}

/** Every place taken by a busy interpreter for the whole wait: a 503 the client may retry. */
function busy(places: number, waitMs: number): ApiError {
  return new ApiError({
    status: 503,
    type: 'server_error',
    code: 'server_busy',
    message: `All ${places} Python interpreters were busy running other containers' code, and none came free within ${waitMs / 1000} s: try again shortly.`,
    retryAfter: 5,
  });
}
