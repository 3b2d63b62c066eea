import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../src/config/load-config.ts';
import { resolveConfig } from '../src/config/resolve-config.ts';
import { jsonLogger } from '../src/logger.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

/** Log lines a server wrote, as objects. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, logger: jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)) };
}

function configIssues(document: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveConfig(document, { env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => `${issue.path}: ${issue.problem}`);
  }
  assert.fail('expected a ConfigError');
}

describe('the local section of the config', () => {
  test('the file and PORTICO_LOCAL_THREADS / PORTICO_LOCAL_GPU decide, the file winning', () => {
    assert.deepEqual(resolveConfig({}, { env: {} }).local, {});
    assert.deepEqual(
      resolveConfig({}, { env: { PORTICO_LOCAL_THREADS: '6', PORTICO_LOCAL_GPU: 'auto' } }).local,
      { threads: 6, gpu: 'auto' },
    );
    assert.deepEqual(resolveConfig({}, { env: { PORTICO_LOCAL_GPU: 'false' } }).local, { gpu: false });
    assert.deepEqual(
      resolveConfig(
        { local: { threads: 2, gpu: false, parallel_sequences: 4, context_size: 4096 } },
        { env: { PORTICO_LOCAL_THREADS: '6', PORTICO_LOCAL_GPU: 'cuda' } },
      ).local,
      { threads: 2, gpu: false, parallelSequences: 4, contextSize: 4096 },
    );
  });

  test('bad settings are named, in the file and in the environment', () => {
    assert.deepEqual(
      configIssues({
        local: { threads: 0, gpu: 'rocm', parallel_sequences: 1.5, context_size: 8, batch: 1 },
      }),
      [
        'local.threads: must be positive',
        "local.gpu: must be 'auto', 'cuda', 'vulkan', 'metal' or false",
        'local.parallel_sequences: must be a whole number',
        'local.context_size: must be at least 256 tokens',
        'local.batch: is not a known setting',
      ],
    );
    assert.throws(
      () => resolveConfig({}, { env: { PORTICO_LOCAL_GPU: 'rocm' } }),
      /PORTICO_LOCAL_GPU must be 'auto', 'cuda', 'vulkan', 'metal' or false, not 'rocm'/,
    );
    assert.throws(
      () => resolveConfig({}, { env: { PORTICO_LOCAL_THREADS: 'many' } }),
      /PORTICO_LOCAL_THREADS must be a positive whole number, not 'many'/,
    );
  });
});

describe('a server with a local section', () => {
  let portico: TestPortico;
  const log = capturedLogger();
  before(async () => {
    portico = await startPortico({
      config: { local: { threads: 1, parallel_sequences: 1, context_size: 256, gpu: false } },
      logger: log.logger,
    });
  });
  after(() => portico.stop());

  test('loads its models with those settings', async () => {
    const response = await portico.client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 4,
    });
    assert.ok(response.output_text.length > 0);
    const loaded = log.lines.find((line) => line.message === 'local model loaded');
    assert.ok(loaded, 'the load is logged');
    assert.equal(loaded.contextSize, 256);
    assert.equal(loaded.sequences, 1);
    assert.equal(loaded.threads, 1);
    assert.equal(loaded.gpu, false);
    assert.equal(loaded.gpuLayers, 0);
  });

  test('a prompt longer than its context is refused with that context', async () => {
    const response = await fetch(`${portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: TINY_MODEL, input: 'Once upon a time, '.repeat(60) }),
    });
    assert.equal(response.status, 400);
    const { error } = (await response.json()) as { error: { code: string; param: string; message: string } };
    assert.equal(error.code, 'context_length_exceeded');
    assert.equal(error.param, 'input');
    assert.match(error.message, /the 256-token context of 'local\/stories260K'/);
  });
});

describe('a GPU backend asked for by name', { skip: process.platform === 'darwin' }, () => {
  let portico: TestPortico;
  const log = capturedLogger();
  before(async () => {
    // Metal exists on macOS only: elsewhere node-llama-cpp would quietly run on the CPU instead.
    portico = await startPortico({ config: { local: { gpu: 'metal' } }, logger: log.logger });
  });
  after(() => portico.stop());

  test('is refused where it cannot run, and the log says which setting to change', async () => {
    const response = await fetch(`${portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: TINY_MODEL, input: 'Once', max_output_tokens: 2 }),
    });
    assert.equal(response.status, 500);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'model_load_failed');
    const failed = log.lines.find((line) => line.message === 'local model failed to load');
    assert.ok(failed, 'the failure is logged');
    assert.match(String(failed.error), /cannot run on 'metal' here.*local\.gpu \(PORTICO_LOCAL_GPU\)/);
    assert.doesNotMatch(JSON.stringify(error), /metal/, 'the reason stays in the server log');
  });
});
