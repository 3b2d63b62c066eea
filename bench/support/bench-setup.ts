import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Throws, naming the Debian package, unless each command is on the PATH. */
export function requireTools(tools: readonly ('wrk' | 'taskset' | 'git')[]): void {
  const packages = { wrk: 'wrk', taskset: 'util-linux', git: 'git' };
  for (const tool of tools)
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is needed: apt-get install -y ${packages[tool]}`);
    }
}

/** Runs `npm run build` in `root` unless its compiled command is there. */
export function ensureBuilt(root: string): void {
  if (!existsSync(join(root, 'dist', 'bundle', 'portico.js')))
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
