import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import OpenAI from 'openai';
import type { ReplayServer } from './replay-server.ts';
import { startSlowChatUpstream } from './slow-chat-upstream.ts';
import { spawnServe, type ServeProcess } from './spawn-serve.ts';

export interface RestartableServe {
  /** The data folder every server started here shares. */
  readonly dataDir: string;
  /** The server started last. */
  readonly serving: ServeProcess;
  /** Starts a server on the data folder (the last one must be gone) and returns a client of it. */
  serve(): Promise<OpenAI>;
}

/**
 * `portico serve` over a slow chat upstream (`slow/model`, slow-chat-upstream.ts) on one data
 * folder that outlives its processes, with short background leases: for tests that kill -9 a
 * server and start another on the same data. Registers the hooks that start the upstream and
 * clean up after the file's tests; `env` adds to the server's environment.
 */
export function restartableServe(
  upstreamOptions: { words: number; delayMs: number },
  env: Record<string, string> = {},
): RestartableServe {
  let upstream: ReplayServer;
  let configPath: string;
  let dataDir = '';
  let serving: ServeProcess | undefined;
  before(async () => {
    ({ upstream, configPath } = await startSlowChatUpstream(upstreamOptions));
    dataDir = mkdtempSync(join(tmpdir(), 'portico-restart-'));
  });
  after(async () => {
    if (serving?.child.exitCode === null) await serving.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get dataDir() {
      return dataDir;
    },
    get serving() {
      if (!serving) throw new Error('no server was started');
      return serving;
    },
    async serve() {
      const serverEnv = {
        PATH: process.env.PATH,
        PORTICO_MODELS_DIR: join(dataDir, 'no-models'),
        PORTICO_BACKGROUND_LEASE_MS: '1500',
        ...env,
      };
      serving = await spawnServe(['--data-dir', dataDir, '--config', configPath], serverEnv);
      return new OpenAI({ baseURL: `${serving.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    },
  };
}
