import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPortico, sharedModelsDir } from './support/portico.ts';
import { spawnServe } from './support/spawn-serve.ts';

/**
 * The first five minutes: models that Ollama or LM Studio already keep are found and served,
 * a config can name the default model, and a server with nothing to serve says how to get a
 * model, once.
 */
const STORIES_SHA = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';

function fakeHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'portico-home-'));
  // Ollama: a manifest naming the model layer by digest, the layer a blob named after it.
  const ollama = join(home, '.ollama', 'models');
  mkdirSync(join(ollama, 'blobs'), { recursive: true });
  copyFileSync(join(sharedModelsDir, 'stories260K.gguf'), join(ollama, 'blobs', `sha256-${STORIES_SHA}`));
  writeFileSync(join(ollama, 'blobs', `sha256-${'0'.repeat(64)}`), '{"temperature": 0.7}');
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    layers: [
      { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${STORIES_SHA}`, size: 1185376 },
      { mediaType: 'application/vnd.ollama.image.params', digest: `sha256:${'0'.repeat(64)}`, size: 20 },
    ],
  };
  for (const [namespace, name] of [
    ['library', 'tinystories'],
    ['someone', 'stories'],
  ]) {
    mkdirSync(join(ollama, 'manifests', 'registry.ollama.ai', namespace!, name!), { recursive: true });
    writeFileSync(
      join(ollama, 'manifests', 'registry.ollama.ai', namespace!, name!, '260k'),
      JSON.stringify(manifest),
    );
  }
  // LM Studio: publisher/repository folders of GGUF files, with a vision projector to skip.
  const lmstudio = join(home, '.lmstudio', 'models', 'aladar', 'llama-2-tiny-random-GGUF');
  mkdirSync(lmstudio, { recursive: true });
  symlinkSync(join(sharedModelsDir, 'llama-2-tiny-random.gguf'), join(lmstudio, 'llama-2-tiny-random.gguf'));
  symlinkSync(join(sharedModelsDir, 'stories260K.gguf'), join(lmstudio, 'mmproj-model-f16.gguf'));
  return home;
}

describe('models other runners keep', () => {
  let home: string;
  before(() => {
    home = fakeHome();
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('Ollama and LM Studio models are listed and served where they are', async () => {
    const portico = await startPortico({ env: { HOME: home }, modelsDirs: [] });
    try {
      const ids = (await portico.client.models.list()).data.map((model) => model.id);
      assert.deepEqual(
        ids.filter((id) => id.startsWith('local/')),
        ['local/tinystories:260k', 'local/someone/stories:260k', 'local/llama-2-tiny-random'],
      );
      const answer = await portico.client.responses.create({
        model: 'local/tinystories:260k',
        input: 'Once upon a time',
        max_output_tokens: 8,
      });
      assert.ok(answer.output_text.length > 0);
    } finally {
      await portico.stop();
    }
  });
});

describe('a default model', () => {
  test("is the model called 'default'", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-default-'));
    writeFileSync(join(dir, 'portico.yaml'), 'default_model: local/stories260K\n');
    const portico = await startPortico({ configPath: join(dir, 'portico.yaml') });
    try {
      const res = await fetch(`${portico.server.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'default', input: 'Once upon a time', max_output_tokens: 4 }),
      });
      const body = (await res.json()) as { model: string; status: string };
      assert.equal(res.status, 200);
      assert.equal(body.model, 'default');
      const ids = (await portico.client.models.list()).data.map((model) => model.id);
      assert.ok(ids.includes('default'));
    } finally {
      await portico.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a request that names no model is a 400 naming model (a token count too, with no default_model)', async () => {
    const portico = await startPortico();
    try {
      for (const path of ['/v1/responses', '/v1/responses/input_tokens']) {
        const res = await fetch(`${portico.server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ input: 'Hi' }),
        });
        const { error } = (await res.json()) as { error: { param: string; code: string } };
        assert.equal(res.status, 400, path);
        assert.deepEqual([error.param, error.code], ['model', 'missing_required_parameter'], path);
      }
    } finally {
      await portico.stop();
    }
  });
});

describe('portico serve with no model at all', () => {
  test('says once how to get one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-empty-'));
    const serve = await spawnServe(['--data-dir', join(dir, 'data')], {
      PATH: process.env.PATH,
      HOME: dir,
      PORTICO_MODELS_DIR: join(dir, 'models'),
    });
    try {
      await fetch(`${serve.url}/v1/models`);
      const log = serve.stderr();
      assert.equal(log.split('No model to serve yet').length - 1, 1, log);
      assert.match(log, /npx portico pull hf:ggml-org\/models\/tinyllamas\/stories260K\.gguf/);
      assert.match(log, /OPENAI_API_KEY/);
    } finally {
      await serve.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
