import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerOptions } from '../../src/server/start-server.ts';
import { startPortico, type TestPortico } from './portico.ts';
import type { ReplayServer } from './replay-server.ts';
import { startScriptedUpstream, type Script } from './scripted-upstream.ts';

/** The model id under which the scripted upstream is served. */
export const SCRIPTED_MODEL = 'scripted/agent';

export interface ScriptedPortico {
  portico: TestPortico;
  upstream: ReplayServer;
  stop(): Promise<void>;
}

/**
 * The real server with the local models and one more model, `scripted/agent`: an OpenAI
 * Responses upstream on a loopback port whose answers `script` decides. For the clients whose
 * whole loop (call a tool, read its output, answer) a tiny local model cannot finish.
 * `moreConfig` is YAML appended to the config file (a `tools:` section, ...); `options` are the
 * server's own (a WebSocket lifetime, ...).
 */
export async function startScriptedPortico(
  script: Script,
  moreConfig = '',
  options: ServerOptions = {},
): Promise<ScriptedPortico> {
  const upstream = await startScriptedUpstream(script);
  const config = `providers:\n  scripted: { type: openai, base_url: ${upstream.url}/v1 }\nmodels:\n  - { id: ${SCRIPTED_MODEL}, provider: scripted, context_window: 8192, capabilities: { vision: true } }\n${moreConfig}`;
  return porticoOver(upstream, config, options);
}

/** The real server with `config` (YAML), which serves models of `upstream`; stopping it stops both. */
export async function porticoOver(
  upstream: ReplayServer,
  config: string,
  options: ServerOptions = {},
): Promise<ScriptedPortico> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-scripted-'));
  const configPath = join(dir, 'portico.yaml');
  writeFileSync(configPath, config);
  const portico = await startPortico({ ...options, configPath });
  return {
    portico,
    upstream,
    async stop() {
      await portico.stop();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
