import { spawn } from 'node:child_process';

export interface PinnedProcess {
  /** What `ready` found in the output: the server's URL. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `node ...args` pinned to CPU cores (`0`, or a list such as `0,1`; taskset execs node,
 * so the pid is node's) and
 * resolves once `ready` finds the server's URL in what it wrote to stdout or stderr.
 */
export async function startPinned(
  core: number | string,
  args: string[],
  ready: (output: string) => string | undefined,
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<PinnedProcess> {
  const child = spawn('taskset', ['-c', String(core), process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      // Only the start is needed; later output (request logs) is read and dropped.
      if (output.length > 100_000) return;
      output += chunk.toString();
      const found = ready(output);
      if (found) resolve(found);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}):\n${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // SIGTERM lets a server stop its workers; one that lingers is killed.
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
