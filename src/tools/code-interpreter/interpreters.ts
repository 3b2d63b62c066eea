import type { ToolsConfig } from '../../config/tools-config.ts';
import { PythonProcess, type RunResult, type SandboxFile } from './python-process.ts';

/**
 * Interpreter processes kept alive at once (each holds about 160 MiB): past it, the one idle
 * longest ends (its container keeps its files; its Python state starts afresh on its next run).
 */
const MAX_PROCESSES = 8;

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

interface Running {
  process: PythonProcess;
  /** Which version (file id) of each path the process holds. */
  held: Map<string, string>;
  /** Runs on one container are serialized: one interpreter, one program at a time. */
  queue: Promise<unknown>;
  /** Runs queued or running now. */
  busy: number;
  /** When it last finished a run (milliseconds). */
  lastUsed: number;
}

/** The interpreters themselves, in this process. */
export class InterpreterPool implements Interpreters {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly config: ToolsConfig['codeInterpreter'],
    private readonly now: () => number = Date.now,
  ) {}

  run(run: InterpreterRun, signal: AbortSignal): Promise<void> {
    let running = this.running.get(run.container);
    if (!running) {
      this.evictIdle();
      running = {
        process: new PythonProcess({
          ...this.config,
          isolateNetwork: this.config.networkIsolation === 'namespace',
        }),
        held: new Map(),
        queue: Promise.resolve(),
        busy: 0,
        lastUsed: this.now(),
      };
      this.running.set(run.container, running);
    }
    const current = running;
    current.busy++;
    const done = current.queue
      .then(() => this.runNow(current, run, signal))
      .finally(() => {
        current.busy--;
        current.lastUsed = this.now();
      });
    current.queue = done.catch(() => undefined);
    return done;
  }

  stop(container: string): void {
    this.running.get(container)?.process.kill();
    this.running.delete(container);
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

  /** Ends the process idle longest when the limit is reached. */
  private evictIdle(): void {
    if (this.running.size < MAX_PROCESSES) return;
    const idle = [...this.running].filter(([, running]) => running.busy === 0);
    idle.sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    if (idle[0]) this.stop(idle[0][0]);
  }
}
