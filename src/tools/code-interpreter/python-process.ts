import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
  memoryMb: number;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Run the process in a network namespace of its own (`unshare -rn`); refuse to run without one. */
  isolateNetwork: boolean;
}

const SANDBOX_SCRIPT = fileURLToPath(new URL('python-sandbox.mjs', import.meta.url));
const PYODIDE_DIR = dirname(createRequire(import.meta.url).resolve('pyodide/pyodide.mjs'));
/** Bytes of one answer line the parent reads: files and logs are bounded before it, this is the wall. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** How long loading Python may take (about 5 s on two cores). */
const LOAD_TIMEOUT_MS = 60_000;

let namespaces: boolean | undefined;
/** Whether this host lets an unprivileged process enter a network namespace of its own. */
export function networkNamespacesWork(): boolean {
  namespaces ??= spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore' }).status === 0;
  return namespaces;
}

/**
 * One Python interpreter in its sandbox process: state (variables, imports, files) lives on
 * between runs until the process ends. A run that passes its time is killed with the process;
 * the next run starts a fresh one.
 */
export class PythonProcess {
  private child: ChildProcessWithoutNullStreams | undefined;
  private ready: Promise<void> | undefined;
  private readonly waiting = new Map<number, (answer: RunResult) => void>();
  private next = 0;
  private exited: ((reason: Error) => void) | undefined;

  constructor(private readonly limits: SandboxLimits) {}

  /** Runs `code` with `files` placed in /mnt/data first. */
  async run(code: string, files: readonly SandboxFile[], signal: AbortSignal): Promise<RunResult> {
    const started = Date.now();
    await this.start();
    const id = this.next++;
    const left = Math.max(1, this.limits.timeoutMs - (Date.now() - started));
    return new Promise<RunResult>((resolve, reject) => {
      const stop = (reason: Error) => {
        cleanup();
        this.kill();
        reject(reason);
      };
      const timer = setTimeout(
        () =>
          stop(
            new Error(
              `The code ran longer than ${this.limits.timeoutMs} ms and was stopped; Python's state was reset.`,
            ),
          ),
        left,
      );
      const onAbort = () => stop(new Error('The run was stopped.'));
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting.delete(id);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, (answer) => {
        cleanup();
        resolve(answer);
      });
      this.exited = (reason) => {
        cleanup();
        reject(reason);
      };
      const message = {
        id,
        code,
        files: files.map((file) => ({ path: file.path, data: file.data.toString('base64') })),
      };
      this.child!.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Ends the process (and Python's state with it). */
  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.ready = undefined;
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    if (this.limits.isolateNetwork && !networkNamespacesWork())
      return Promise.reject(
        new Error(
          'This host cannot give the sandbox a network namespace of its own (unshare -rn failed); set tools.code_interpreter.network_isolation to "none" to run code without it.',
        ),
      );
    const node = [
      process.execPath,
      '--experimental-permission',
      `--allow-fs-read=${PYODIDE_DIR}/`,
      `--allow-fs-read=${SANDBOX_SCRIPT}`,
      `--max-old-space-size=${this.limits.memoryMb}`,
      '--no-warnings',
      SANDBOX_SCRIPT,
      PYODIDE_DIR,
      String(this.limits.memoryMb),
      String(this.limits.maxOutputBytes),
    ];
    const [command, ...args] = this.limits.isolateNetwork ? ['unshare', '-rn', ...node] : node;
    const child = spawn(command!, args, { stdio: 'pipe', env: {} });
    this.child = child;
    child.stderr.resume();
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    this.ready = new Promise<void>((resolve, reject) => {
      const failed = (reason: Error) => {
        if (this.child === child) this.child = undefined;
        this.ready = undefined;
        reject(reason);
        this.exited?.(reason);
      };
      child.on('error', failed);
      child.on('exit', (code, killed) =>
        failed(new Error(`Python's process ended (${killed ?? `exit ${code}`}); its state was reset.`)),
      );
      const loading = setTimeout(() => {
        failed(new Error(`Python did not start within ${LOAD_TIMEOUT_MS} ms.`));
        child.kill('SIGKILL');
      }, LOAD_TIMEOUT_MS);
      child.on('exit', () => clearTimeout(loading));
      lines.on('line', (line) => {
        if (line.length > MAX_ANSWER_BYTES) return;
        let answer: { ready?: boolean; id?: number } & Partial<RunResult> & {
            files?: Array<{ path: string; data: string }>;
          };
        try {
          answer = JSON.parse(line);
        } catch {
          return;
        }
        if (answer.ready) {
          clearTimeout(loading);
          return resolve();
        }
        const waiter = typeof answer.id === 'number' ? this.waiting.get(answer.id) : undefined;
        waiter?.({
          logs: String(answer.logs ?? ''),
          error: answer.error ?? null,
          files: (answer.files ?? []).map((file) => ({
            path: String(file.path),
            data: Buffer.from(String(file.data), 'base64'),
          })),
        });
      });
    });
    return this.ready;
  }
}
