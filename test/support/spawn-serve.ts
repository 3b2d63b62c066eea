import { spawn, type ChildProcess } from 'node:child_process';
import { porticoFromSource } from './portico-from-source.ts';

export interface ServeProcess {
  /** The server's root, e.g. `http://127.0.0.1:40123` (the API is under `/v1`). */
  url: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far (its JSON log lines). */
  stderr(): string;
  /** SIGTERM, then the exit code once it has shut down. */
  stop(): Promise<number | null>;
}

/**
 * `portico serve --port 0 [--workers 1] ...args` in a child process, resolved once it says where
 * it listens. `command`: the node arguments that run `portico` (default: from the sources).
 */
export async function spawnServe(
  args: string[],
  env: NodeJS.ProcessEnv,
  command: string[] = porticoFromSource,
): Promise<ServeProcess> {
  // One process unless a test asks for workers: the default, one per core, is for production.
  const workers = args.includes('--workers') ? [] : ['--workers', '1'];
  const child = spawn(process.execPath, [...command, 'serve', '--port', '0', ...workers, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)\/v1/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`portico serve exited:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
