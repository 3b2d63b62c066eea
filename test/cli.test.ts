import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

  test('portico run with an unknown model fails with the API message', async () => {
    await assert.rejects(run(['run', 'local/nope', 'hi']), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /does not exist/);
      return true;
    });
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
