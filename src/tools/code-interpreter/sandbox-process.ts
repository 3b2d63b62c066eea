import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBoundedLines } from './bounded-lines.ts';
import { childrenOf, residentBytes } from './resident-memory.ts';
import { sandboxCommand } from './sandbox-command.ts';

/** A file in the sandbox's /mnt/data, by its path there. */
export interface SandboxFile {
  path: string;
  data: Buffer;
}

/** What one run of code left: its logs (stdout, stderr, the last expression), its error, the files it wrote. */
export interface RunResult {
  logs: string;
  error: string | null;
  files: SandboxFile[];
}

export interface SandboxLimits {
  /** Memory the code may hold on top of what the idle interpreter holds (measured at its start). */
  memoryMb: number;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Run the process in namespaces of its own (network, PID: sandbox-command.ts); refuse to run without them. */
  isolateNetwork: boolean;
}

const SANDBOX_SCRIPT = fileURLToPath(new URL('python-sandbox.mjs', import.meta.url));
const PYODIDE_DIR = dirname(createRequire(import.meta.url).resolve('pyodide/pyodide.mjs'));
const MIB = 1024 * 1024;
/** Bytes of one answer line the parent reads: files and logs are bounded before it, this is the wall. */
const MAX_ANSWER_BYTES = 64 * MIB;
/** How long loading Python may take (about 5 s on two cores). */
const LOAD_TIMEOUT_MS = 60_000;
/** How often the sandbox's resident memory is measured, from its start to its end. */
const MEMORY_CHECK_MS = 50;
/** What is kept of the sandbox's stderr, for the error that says why it ended. */
const STDERR_TAIL_CHARS = 2_000;

/**
 * One sandbox process, from its start to its end: Python loaded by python-sandbox.mjs within
 * its walls, answering runs one JSON line each. The parent measures its memory (the child's own
 * word is not to be trusted) and ends it past its limit, and reads its answers a bounded line
 * at a time. Once ended, for whatever reason, everything asked of it fails with that reason.
 */
export class SandboxProcess {
  /** Resolved once Python is loaded; rejected when the process ends first. */
  readonly ready: Promise<void>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly asked = new Map<
    number,
    { resolve(answer: RunResult): void; reject(reason: Error): void }
  >();
  private next = 0;
  private reason: Error | undefined;
  private loaded = false;
  private stderr = '';
  private readonly timers: NodeJS.Timeout[] = [];
  private start = { resolve: () => {}, reject: (_reason: Error) => {} };

  constructor(private readonly limits: SandboxLimits) {
    const node = [
      process.execPath,
      '--experimental-permission',
      `--allow-fs-read=${PYODIDE_DIR}/`,
      `--allow-fs-read=${SANDBOX_SCRIPT}`,
      `--max-old-space-size=${limits.memoryMb}`,
      '--no-warnings',
      SANDBOX_SCRIPT,
      PYODIDE_DIR,
      String(limits.memoryMb),
      String(limits.maxOutputBytes),
    ];
    const [command, ...args] = sandboxCommand(node, limits.isolateNetwork);
    const child = spawn(command!, args, { stdio: 'pipe', env: {}, detached: true });
    this.child = child;
    child.stdin.on('error', () => {}); // a write to a process that ended: its end says why
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (error) => this.end(error));
    child.on('close', (code, signal) =>
      this.end(
        new Error(
          `Python's process ended (${signal ?? `exit ${code}`}); its state was reset.${this.lastWords()}`,
        ),
      ),
    );
    readBoundedLines(
      child.stdout,
      MAX_ANSWER_BYTES,
      (line) => this.answer(line),
      () =>
        this.end(
          new Error(
            `The sandbox wrote more than ${MAX_ANSWER_BYTES / MIB} MiB in one answer and was stopped; Python's state was reset.`,
          ),
        ),
    );
    this.ready = new Promise<void>((resolve, reject) => (this.start = { resolve, reject }));
    this.ready.catch(() => {}); // whoever waits on it hears; nobody else need
    this.timers.push(
      setTimeout(
        () => this.end(new Error(`Python did not start within ${LOAD_TIMEOUT_MS} ms.`)),
        LOAD_TIMEOUT_MS,
      ),
    );
  }

  /** Whether the process has ended (or was ended): a new one is needed. */
  get ended(): boolean {
    return this.reason !== undefined;
  }

  /** Runs `code` with `files` placed in /mnt/data first; rejected with the reason the process ended, if it did. */
  ask(code: string, files: readonly SandboxFile[]): Promise<RunResult> {
    if (this.reason) return Promise.reject(this.reason);
    const id = this.next++;
    return new Promise<RunResult>((resolve, reject) => {
      this.asked.set(id, { resolve, reject });
      const message = {
        id,
        code,
        files: files.map((file) => ({ path: file.path, data: file.data.toString('base64') })),
      };
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Ends the process (its whole group: unshare and the sandbox under it); what waits on it fails with `reason`. */
  end(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    for (const timer of this.timers) clearTimeout(timer);
    const { child } = this;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Ended already.
      }
    child.kill('SIGKILL');
    this.start.reject(reason);
    for (const { reject } of this.asked.values()) reject(reason);
    this.asked.clear();
  }

  private answer(line: string): void {
    let answer: { ready?: boolean; id?: number } & Partial<RunResult> & {
        files?: Array<{ path: string; data: string }>;
      };
    try {
      answer = JSON.parse(line);
    } catch {
      return;
    }
    if (answer.ready) {
      // Once: code that writes it again is not Python loading.
      if (this.loaded) return;
      this.loaded = true;
      this.watchMemory();
      return this.start.resolve();
    }
    const waiter = typeof answer.id === 'number' ? this.asked.get(answer.id) : undefined;
    if (!waiter) return;
    this.asked.delete(answer.id!);
    waiter.resolve({
      logs: String(answer.logs ?? ''),
      error: answer.error ?? null,
      files: (answer.files ?? []).map((file) => ({
        path: String(file.path),
        data: Buffer.from(String(file.data), 'base64'),
      })),
    });
  }

  /**
   * Measures the sandbox's resident memory now, with Python loaded and idle, and ends the process
   * whenever it holds more than that plus `memoryMb`: WebAssembly memory, the files Python keeps
   * in memory (/tmp, /mnt/data), array buffers made through JavaScript, all count.
   */
  private watchMemory(): void {
    const { child, limits } = this;
    // Under unshare --fork, the sandbox is unshare's one child.
    const pid = limits.isolateNetwork ? childrenOf(child.pid!)[0] : child.pid;
    const baseline = pid === undefined ? undefined : residentBytes(pid);
    if (pid === undefined || baseline === undefined) {
      // No /proc (a host without namespaces, e.g. macOS, running with network_isolation: none).
      if (limits.isolateNetwork) this.end(new Error("The sandbox's memory cannot be measured on this host."));
      return;
    }
    const limit = baseline + limits.memoryMb * MIB;
    const check = setInterval(() => {
      const held = residentBytes(pid);
      if (held === undefined || held <= limit) return;
      this.end(
        new Error(
          `The code used more than its memory limit of ${limits.memoryMb} MiB (the sandbox held ${Math.round(held / MIB)} MiB, ${Math.round(baseline / MIB)} MiB of it the idle interpreter's own) and was stopped; Python's state was reset.`,
        ),
      );
    }, MEMORY_CHECK_MS);
    check.unref();
    this.timers.push(check);
  }

  /** The last lines the process wrote to stderr, to say why it ended. */
  private lastWords(): string {
    const tail = this.stderr.trim().split('\n').slice(-10).join('\n').trim();
    return tail ? ` It wrote: ${tail}` : '';
  }
}
