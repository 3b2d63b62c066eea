import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import OpenAI from 'openai';
import { porticoFromSource } from './support/portico-from-source.ts';
import { sharedModelsDir, TINY_MODEL } from './support/portico.ts';
import { spawnServe } from './support/spawn-serve.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'portico-cli-'));
const env = {
  ...process.env,
  PORTICO_DATA_DIR: dataDir,
  PORTICO_MODELS_DIR: sharedModelsDir,
  OPENAI_API_KEY: '',
};
after(() => rmSync(dataDir, { recursive: true, force: true }));

const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [...porticoFromSource, ...args], { env });

describe('the portico command', () => {
  test('portico models lists the catalog', async () => {
    const { stdout } = await run(['models']);
    assert.match(stdout, /local\/stories260K/);
    assert.match(stdout, /openai\/gpt-5\.4-pro\s+OpenAI\s+proxied\s+1,000,000/);
  });

  test('portico run streams the answer', async () => {
    const { stdout } = await run([
      'run',
      TINY_MODEL,
      'Once upon a time',
      '--max-output-tokens',
      '20',
      '--temperature',
      '0',
    ]);
    assert.ok(stdout.trim().length > 0);
  });

  test('portico run --prompt runs a stored prompt, its variables given with --var', async () => {
    const template = join(dataDir, 'story.json');
    writeFileSync(template, JSON.stringify({ model: TINY_MODEL, instructions: 'A story about {{topic}}.' }));
    const created = await run(['prompts', 'create', '--file', template, '--json']);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const limits = ['--max-output-tokens', '10', '--temperature', '0'];
    const { stdout } = await run([
      'run',
      '--prompt',
      id,
      '--var',
      'topic=a cat',
      'Once upon a time',
      ...limits,
    ]);
    assert.ok(stdout.trim().length > 0);
    const pinned = await run([
      'run',
      '--prompt',
      `${id}@1`,
      '--var',
      'topic=a dog',
      '--model',
      TINY_MODEL,
      ...limits,
    ]);
    assert.ok(pinned.stdout.trim().length > 0);
    await assert.rejects(run(['run', '--prompt', id, 'hi']), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /^portico: Missing prompt variable 'topic'/);
      return true;
    });
  });

  test('portico run with an unknown model fails with the API message', async () => {
    await assert.rejects(run(['run', 'local/nope', 'hi']), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /does not exist/);
      return true;
    });
  });

  test('Ctrl+C stops portico run: what was written stays, and it exits 130', async () => {
    const child = spawn(
      process.execPath,
      [
        ...porticoFromSource,
        'run',
        TINY_MODEL,
        'Once upon a time',
        '--max-output-tokens',
        '4000',
        '--temperature',
        '1',
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.length > 20) resolve();
      }),
    );
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(stderr, /\[stopped\]/);
  });

  test('what a command cannot start with is one line naming it, never a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-cli-bad-'));
    const badConfig = join(dir, 'bad.yaml');
    writeFileSync(badConfig, 'foo: [unclosed');
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, '');
    // 2: a command line the command cannot take (with its usage); 1: anything else.
    const cases: Array<[string[], RegExp, number]> = [
      [['run', TINY_MODEL, 'hi', '--config', badConfig], /^portico: .*bad\.yaml.*not valid YAML/, 1],
      [['models', '--config', badConfig], /^portico: .*bad\.yaml.*not valid YAML/, 1],
      [['serve', '--config', badConfig], /^portico: .*bad\.yaml.*not valid YAML/, 1],
      [
        ['keys', 'list', '--data-dir', aFile],
        /^portico: The data directory '.*a-file' cannot be made \(a file is in the way\)/,
        1,
      ],
      [
        ['run', TINY_MODEL, 'hi', '--max-output-tokens', 'abc'],
        /^portico run: --max-output-tokens takes a number, not 'abc'\n\nUsage: portico run /,
        2,
      ],
      [
        ['chat', TINY_MODEL, '--temperature', 'warm'],
        /^portico chat: --temperature takes a number, not 'warm'/,
        2,
      ],
      [['serve', '--port', 'abc'], /^portico serve: --port must be a port number, not 'abc'/, 2],
      [['stats', '--range', 'bogus'], /^portico stats: --range takes a duration/, 2],
      [['keys', 'create', '--budget', 'lots'], /^portico keys: --budget takes dollars per period/, 2],
      [['keys', 'revoke'], /^portico keys: revoke takes a key id/, 2],
      [['run', TINY_MODEL, 'hi', '--var', 'a=b'], /^portico run: --var and --model go with --prompt/, 2],
      [
        ['run', '--prompt', 'pmpt_x', '--var', 'novalue'],
        /^portico run: --var takes NAME=VALUE, not 'novalue'/,
        2,
      ],
      [['run', '--prompt', 'pmpt_none', 'hi'], /^portico: No prompt found with id 'pmpt_none'/, 1],
    ];
    try {
      for (const [args, says, code] of cases)
        await assert.rejects(run(args), (error: { code: number; stderr: string }) => {
          assert.equal(error.code, code, args.join(' '));
          assert.match(error.stderr, says);
          assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace');
          return true;
        });
      await assert.rejects(
        promisify(execFile)(process.execPath, [...porticoFromSource, 'serve'], {
          env: { ...env, PORT: 'abc' },
        }),
        (error: { code: number; stderr: string }) => {
          assert.equal(error.code, 2);
          assert.match(error.stderr, /^portico serve: PORT must be a port number, not 'abc'/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('portico serve answers the SDK and shuts down on SIGTERM', async () => {
    const { url, stop } = await spawnServe([], env);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const response = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 5,
    });
    assert.equal(response.status, 'incomplete');
    assert.equal(await stop(), 0);
  });
});
