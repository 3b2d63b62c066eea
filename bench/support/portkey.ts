import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPinned, type PinnedProcess } from './pinned-process.ts';

export const PORTKEY_VERSION = '1.15.2';

/**
 * Portkey's gateway from npm, installed into a scratch folder under the system's temp folder
 * (never into this project: it is a yardstick, not a dependency), once.
 */
export function installPortkey(): string {
  const dir = join(tmpdir(), `portico-bench-portkey-${PORTKEY_VERSION}`);
  const entry = join(dir, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (existsSync(entry)) return entry;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"portkey-scratch","private":true}\n');
  process.stderr.write(`Installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${dir}...\n`);
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--save-exact',
      `@portkey-ai/gateway@${PORTKEY_VERSION}`,
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return entry;
}

/** A port nobody listens on now (Portkey takes a port number, not 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Portkey's own node server (`build/start-server.js`), pinned to `core`. */
export async function startPortkey(core: number): Promise<PinnedProcess> {
  const entry = installPortkey();
  const port = await freePort();
  return startPinned(
    core,
    [entry, `--port=${port}`, '--headless'],
    (output) => (output.includes('Ready for connections') ? `http://127.0.0.1:${port}` : undefined),
    { env: { ...process.env, NODE_ENV: 'production' } },
  );
}
