import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startScriptedUpstream } from './support/scripted-upstream.ts';
import { spawnServe } from './support/spawn-serve.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/**
 * Resolve hooks, and a look at the require cache at exit, that print every package a process
 * loads from node_modules, one `loaded <name> by <process>` line on stderr (the process:
 * `primary`, or `worker` for a forked one), so a test can see what `portico serve` loads without
 * a model.
 */
const RECORD_PACKAGES = `data:text/javascript,${encodeURIComponent(`
import { createRequire, register } from 'node:module';
const role = process.env.PORTICO_WORKER_INDEX === undefined ? 'primary' : 'worker';
// What was required (CommonJS, which the hooks do not see), as the process exits.
process.on('exit', () => {
  for (const file of Object.keys(createRequire(process.cwd() + '/').cache)) {
    const name = /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(file)?.[1];
    if (name) process._rawDebug('loaded ' + name + ' by ' + role);
  }
});
register('data:text/javascript,' + encodeURIComponent(\`
const role = process.env.PORTICO_WORKER_INDEX === undefined ? 'primary' : 'worker';
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  const name = /node_modules\\\\/((@[^/]+\\\\/)?[^/]+)/.exec(found.url)?.[1];
  if (name) process._rawDebug('loaded ' + name + ' by ' + role);
  if (found.url.startsWith('node:')) process._rawDebug('imported ' + found.url + ' by ' + role);
  return found;
}\`));
`)}`;

/** Starts `portico serve ...args` from bin/portico.js under RECORD_PACKAGES, asks it for its models, stops it; what it printed on stderr. */
async function serveOnce(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', RECORD_PACKAGES, join(root, 'bin', 'portico.js'), 'serve', '--port', '0', ...args],
    { env },
  );
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)\/v1/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(stderr)));
  });
  try {
    const answer = await fetch(`${url}/v1/models`);
    assert.equal(answer.status, 200);
    await answer.arrayBuffer();
  } finally {
    // 'close': after the last of stderr, which the exit handler above writes to.
    const exited = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  return stderr;
}

/** The packages a process of `portico serve` loaded, by what it printed under RECORD_PACKAGES. */
function loadedBy(stderr: string, role: 'primary' | 'worker'): Set<string> {
  return new Set([...stderr.matchAll(new RegExp(`^loaded (\\S+) by ${role}$`, 'gm'))].map((m) => m[1]!));
}

describe('the published package (npm run build)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-build-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  before(async () => {
    await run('npm', ['run', 'build'], { cwd: root });
  });

  test("`import { createAI } from 'portico'` works from plain Node, with type declarations beside it", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createAI, startServer, ApiError } from 'portico';
         const ai = createAI({ dataDir: ${JSON.stringify(dataDir)}, modelsDirs: [], env: {} });
         const models = await ai.models();
         console.log(typeof createAI, typeof startServer, typeof ApiError, Array.isArray(models));
         await ai.close();`,
      ],
      { cwd: root },
    );
    assert.equal(stdout.trim(), 'function function function true');
    assert.ok(existsSync(join(root, 'dist', 'index.d.ts')), 'type declarations are built');
  });

  const env = () => ({
    ...process.env,
    PORTICO_DATA_DIR: dataDir,
    PORTICO_MODELS_DIR: join(dataDir, 'none'),
    OPENAI_API_KEY: '',
  });

  test('bin/portico.js serves from the bundle in dist/ without loading node-llama-cpp or other packages it does not need yet', async () => {
    assert.ok(existsSync(join(root, 'dist', 'bundle', 'portico.js')), 'the CLI is bundled');
    const stderr = await serveOnce(['--workers', '1'], env());
    const loaded = loadedBy(stderr, 'primary');
    const imported = new Set([...stderr.matchAll(/^imported (\S+) by primary$/gm)].map((m) => m[1]!));
    assert.ok(imported.has('node:http'), [...imported].join(', '));
    assert.ok(loaded.has('better-sqlite3'), [...loaded].join(', '));
    // Bundled, not loaded from node_modules: what every start needs.
    for (const bundled of ['zod', 'hono', '@hono/node-server', 'ws'])
      assert.equal(loaded.has(bundled), false, `${bundled} was loaded from node_modules`);
    // @hono/node-server's import of it is left out of the bundle (scripts/bundle-cli.mjs).
    assert.equal(imported.has('node:http2'), false, [...imported].join(', '));
    for (const lazy of [
      'node-llama-cpp',
      'gpt-tokenizer',
      'pg',
      'ioredis',
      'yaml',
      'ora',
      'tsx',
      'undici',
      'ajv',
      '@modelcontextprotocol/sdk',
      'pyodide',
    ])
      assert.equal(loaded.has(lazy), false, `${lazy} was loaded at start`);
  });

  test('the primary of `portico serve --workers 2` leaves the store and the server to its workers', async () => {
    const stderr = await serveOnce(['--workers', '2'], env());
    assert.ok(loadedBy(stderr, 'worker').has('better-sqlite3'), stderr);
    assert.deepEqual([...loadedBy(stderr, 'primary')], []);
  });

  test('the built server runs Python: the sandbox script is built beside the interpreter that starts it', async () => {
    assert.ok(
      existsSync(join(root, 'dist', 'tools', 'code-interpreter', 'python-sandbox.mjs')),
      'python-sandbox.mjs is in dist/',
    );
    // A model that has the code interpreter print 6 * 7, then repeats what it printed.
    const upstream = await startScriptedUpstream(({ input }) => {
      const output = input.find((item) => item.type === 'function_call_output');
      if (output) return [{ type: 'message', text: String(output.output) }];
      return [{ type: 'function_call', name: 'python', arguments: JSON.stringify({ code: 'print(6 * 7)' }) }];
    });
    const config = join(dataDir, 'python.json');
    writeFileSync(
      config,
      JSON.stringify({
        providers: { scripted: { type: 'openai', base_url: `${upstream.url}/v1` } },
        models: [{ id: 'scripted/agent', provider: 'scripted', context_window: 8192 }],
        tools: { run_for_openai: true },
        gateways: { default: { authentication: false } },
      }),
    );
    const server = await spawnServe(['--config', config], env(), [join(root, 'bin', 'portico.js')]);
    try {
      const answer = await fetch(`${server.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'scripted/agent',
          input: 'Compute.',
          tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
        }),
      });
      const json = (await answer.json()) as { output_text?: string; output?: unknown };
      assert.equal(json.output_text, '42\n', JSON.stringify(json.output));
    } finally {
      await server.stop();
      await upstream.close();
    }
  });
});
