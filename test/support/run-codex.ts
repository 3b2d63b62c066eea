import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `codex` command of the `@openai/codex` dev dependency (a static binary, nothing fetched at run time). */
const codexBin = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));

export interface CodexRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `codex exec PROMPT` in `work`, configured (in its own CODEX_HOME under `dir`) to use Portico
 * at `baseUrl` as a custom `wire_api = "responses"` provider, over WebSocket mode or HTTP only.
 * No sandbox: the scripted model's commands are fixed by the test.
 */
export function runCodex(options: {
  dir: string;
  work: string;
  baseUrl: string;
  model: string;
  websockets: boolean;
  prompt: string;
}): Promise<CodexRun> {
  const home = join(options.dir, 'codex-home');
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'config.toml'),
    [
      `model = "${options.model}"`,
      'model_provider = "portico"',
      '',
      '[model_providers.portico]',
      'name = "Portico"',
      `base_url = "${options.baseUrl}"`,
      'wire_api = "responses"',
      `supports_websockets = ${options.websockets}`,
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  const args = [
    'exec',
    '--skip-git-repo-check',
    '--dangerously-bypass-approvals-and-sandbox',
    options.prompt,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(codexBin, args, {
      cwd: options.work,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.dir, CODEX_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
