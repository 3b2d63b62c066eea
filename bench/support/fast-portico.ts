/**
 * A scratch data folder and a config that route the model `fast/model` to the fast stand-in
 * upstream at `upstreamUrl`, with the given gateways, and the environment `portico` runs under.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPinned, type PinnedProcess } from './pinned-process.ts';

export interface FastPortico {
  dir: string;
  config: string;
  env: NodeJS.ProcessEnv;
}

export function writeFastPortico(
  prefix: string,
  upstreamUrl: string,
  gateways: Record<string, unknown>,
): FastPortico {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env = {
    ...process.env,
    PORTICO_DATA_DIR: dir,
    FAST_UPSTREAM_KEY: 'bench-key-not-secret',
    OPENAI_API_KEY: '',
  };
  const config = join(dir, 'portico.json');
  writeFileSync(
    config,
    JSON.stringify({
      providers: { fast: { type: 'openai', base_url: upstreamUrl, api_key_env: 'FAST_UPSTREAM_KEY' } },
      models: [
        {
          id: 'fast/model',
          provider: 'fast',
          upstream_model: 'fast',
          context_window: 128000,
          pricing: { input: 1, output: 2 },
        },
      ],
      gateways,
    }),
  );
  return { dir, config, env };
}

/** The fast stand-in upstream (fast-upstream-process.ts) in a process pinned to `core`; its `url` ends in /v1. */
export function startFastUpstream(core: number, deltas: number | string): Promise<PinnedProcess> {
  const entry = fileURLToPath(new URL('./fast-upstream-process.ts', import.meta.url));
  return startPinned(
    core,
    ['--import', 'tsx', entry, String(deltas)],
    (out) => /^(http:\S+)\n/m.exec(out)?.[1],
  );
}

/** A new key in the bench's data folder (`env`), made by the command at `bin`; the key itself. */
export function createBenchKey(bin: string, env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [bin, 'keys', 'create', '--name', 'bench'], {
    env,
    encoding: 'utf8',
  }).trim();
}
