import { namespacesWork } from './sandbox-command.ts';
import { SandboxProcess, type RunResult, type SandboxFile, type SandboxLimits } from './sandbox-process.ts';

export type { RunResult, SandboxFile, SandboxLimits } from './sandbox-process.ts';

/**
 * One Python interpreter in its sandbox process (sandbox-process.ts): state (variables, imports,
 * files) lives on between runs until the process ends. A run that passes its time, is stopped,
 * or passes a limit of the sandbox's ends the process; the next run starts a fresh one.
 */
export class PythonProcess {
  private sandbox: SandboxProcess | undefined;

  constructor(private readonly limits: SandboxLimits) {}

  /** Runs `code` with `files` placed in /mnt/data first. */
  async run(code: string, files: readonly SandboxFile[], signal: AbortSignal): Promise<RunResult> {
    const started = Date.now();
    if (this.limits.isolateNetwork && !namespacesWork())
      throw new Error(
        'This host cannot give the sandbox namespaces of its own (setpriv and unshare --map-root-user --net --pid --fork failed); set tools.code_interpreter.network_isolation to "none" to run code without them.',
      );
    if (!this.sandbox || this.sandbox.ended) this.sandbox = new SandboxProcess(this.limits);
    const sandbox = this.sandbox;
    await sandbox.ready;
    const left = Math.max(1, this.limits.timeoutMs - (Date.now() - started));
    const timer = setTimeout(
      () =>
        sandbox.end(
          new Error(
            `The code ran longer than ${this.limits.timeoutMs} ms and was stopped; Python's state was reset.`,
          ),
        ),
      left,
    );
    const onAbort = () => sandbox.end(new Error('The run was stopped.'));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      return await sandbox.ask(code, files);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Ends the process (and Python's state with it). */
  kill(): void {
    this.sandbox?.end(new Error('The interpreter was stopped; its state was reset.'));
    this.sandbox = undefined;
  }
}
