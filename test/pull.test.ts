import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listLocalModels } from '../src/providers/local/list-local-models.ts';
import { startHuggingFaceServer, type HuggingFaceServer } from './support/hugging-face-server.ts';
import { porticoFromSource } from './support/portico-from-source.ts';
import { sharedModelsDir } from './support/portico.ts';

const stories = join(sharedModelsDir, 'stories260K.gguf');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** 11 MiB: more than two of the downloader's 5 MiB chunks, so that a download can stop between them. */
const large = Buffer.alloc(11 * 1024 * 1024, 7);
readFileSync(stories).copy(large);

interface Pull {
  code: number | null;
  stderr: string;
  exited: Promise<void>;
  kill(): void;
}

function pull(uri: string, modelsDir: string, hf: HuggingFaceServer): Pull & Promise<Pull> {
  const child = spawn(process.execPath, [...porticoFromSource, 'pull', uri, '--models-dir', modelsDir], {
    env: { PATH: process.env.PATH, HF_ENDPOINT: hf.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const state = { code: null as number | null, stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => (state.stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      state.code = code;
      resolve();
    }),
  );
  const result = exited.then(() => ({ ...state, exited, kill: () => {} }));
  return Object.assign(result, {
    get code() {
      return state.code;
    },
    get stderr() {
      return state.stderr;
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  });
}

describe('portico pull', () => {
  let hf: HuggingFaceServer;
  let dir: string;

  before(async () => {
    hf = await startHuggingFaceServer({
      'ggml-org/models/tinyllamas/stories260K.gguf': stories,
      'someone/big/big-model.gguf': large,
    });
    dir = mkdtempSync(join(tmpdir(), 'portico-pull-'));
  });
  after(async () => {
    await hf.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('downloads a Hugging Face file through its redirect, served as local/<file name>', async () => {
    const models = join(dir, 'hf');
    const done = await pull('hf:ggml-org/models/tinyllamas/stories260K.gguf', models, hf);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(sha256(readFileSync(join(models, 'stories260K.gguf'))), sha256(readFileSync(stories)));
    assert.match(done.stderr, /local\/stories260K/);
    assert.ok(hf.requests.some((request) => request.url.startsWith('/ggml-org/models/resolve/main/')));
    assert.ok(hf.requests.some((request) => request.url.startsWith('/cdn/') && request.range));
    assert.deepEqual(
      listLocalModels([models]).map((model) => model.id),
      ['local/stories260K'],
    );

    const before = hf.requests.length;
    const again = await pull('hf:ggml-org/models/tinyllamas/stories260K.gguf', models, hf);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(
      hf.requests.slice(before).every((request) => !request.range),
      'a file already there in full is not downloaded again',
    );
  });

  test('downloads a plain URL', async () => {
    const models = join(dir, 'url');
    const digest = sha256(readFileSync(stories));
    const done = await pull(
      `${hf.url}/cdn/${digest}/${encodeURIComponent('ggml-org/models/tinyllamas/stories260K.gguf')}`,
      models,
      hf,
    );
    assert.equal(done.code, 0, done.stderr);
    assert.equal(sha256(readFileSync(join(models, 'stories260K.gguf'))), digest);
  });

  test('a broken download resumes where it stopped on the next pull', async () => {
    const models = join(dir, 'resume');
    const stop = 10 * 1024 * 1024 + 4096;
    hf.stallAfter = stop;
    const first = pull('hf:someone/big/big-model.gguf', models, hf);
    await hf.stalled;
    // The chunks before the stall are written and recorded; then the download dies.
    for (let i = 0; i < 100 && !existsSync(join(models, 'big-model.gguf.ipull')); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    first.kill();
    await first.exited;
    assert.deepEqual(readdirSync(models), ['big-model.gguf.ipull']);

    hf.stallAfter = undefined;
    const before = hf.requests.length;
    const second = await pull('hf:someone/big/big-model.gguf', models, hf);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(sha256(readFileSync(join(models, 'big-model.gguf'))), sha256(large));
    const ranges = hf.requests
      .slice(before)
      .flatMap((request) => (request.range ? [Number(/bytes=(\d+)-/.exec(request.range)![1])] : []));
    assert.ok(ranges.length > 0 && ranges.every((start) => start >= 5 * 1024 * 1024), `resumed at ${ranges}`);
  });

  test('a server that cannot be reached fails at once, naming it (the downloader would retry for minutes)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const done = await pull(`http://127.0.0.1:${port}/model.gguf`, join(dir, 'none'), hf);
    assert.equal(done.code, 1);
    assert.match(done.stderr, new RegExp(`127\\.0\\.0\\.1:${port} cannot be reached \\(ECONNREFUSED\\)`));
  });

  test('a file that does not exist fails with a message', async () => {
    const done = await pull('hf:ggml-org/models/nope.gguf', join(dir, 'none'), hf);
    assert.equal(done.code, 1);
    assert.match(done.stderr, /could not pull hf:ggml-org\/models\/nope\.gguf/);
  });
});
