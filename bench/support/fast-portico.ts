/**
 * A scratch data folder and a config that route the model `fast/model` to the fast stand-in
 * upstream at `upstreamUrl`, with the given gateways, and the environment `portico` runs under.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
