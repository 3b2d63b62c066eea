import { spawnSync } from 'node:child_process';

/**
 * What wraps the sandbox's Node process where the host allows (util-linux, unprivileged):
 * - `setpriv --pdeathsig KILL`: unshare is killed when Portico ends, however it ends;
 * - `unshare --map-root-user --net`: a user and a network namespace of its own, no route out;
 * - `--pid --fork --kill-child`: a PID namespace of its own, where the sandbox is process 1 and
 *   sees no process of the host: it can signal nothing outside (process.ppid is 0, Portico's pid
 *   names nothing there); unshare waits outside it and takes the sandbox with it when it ends.
 * The process is also started in a process group of its own (`detached`), so that a signal to
 * its group (`kill(0, ...)`) reaches unshare and itself, never Portico's group.
 */
const WALLS = [
  ...['setpriv', '--pdeathsig', 'KILL'],
  ...['unshare', '--map-root-user', '--net', '--pid', '--fork', '--kill-child'],
];

let walled: boolean | undefined;
/** Whether this host lets an unprivileged process enter namespaces of its own (user, network, PID). */
export function namespacesWork(): boolean {
  walled ??= spawnSync(WALLS[0]!, [...WALLS.slice(1), 'true'], { stdio: 'ignore' }).status === 0;
  return walled;
}

/** The command line that runs `node` (a command and its arguments) within the walls, or bare. */
export function sandboxCommand(node: readonly string[], isolate: boolean): string[] {
  return isolate ? [...WALLS, ...node] : [...node];
}
