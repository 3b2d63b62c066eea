import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';

let dataDir: string;
let serving: ServeProcess | undefined;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'portico-vs-restart-'));
});
after(async () => {
  if (serving?.child.exitCode === null) serving.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function serve(): Promise<OpenAI> {
  const env = {
    PATH: process.env.PATH,
    PORTICO_MODELS_DIR: join(dataDir, 'no-models'),
    // A short lease, so the killed process's work is recovered within a second of the restart.
    PORTICO_INSTANCE_LEASE_MS: '900',
  };
  serving = await spawnServe(['--data-dir', dataDir], env);
  return new OpenAI({ baseURL: `${serving.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

/** ~4 MiB of prose: its chunks take long enough to write that the process is killed midway. */
function largeText(): string {
  const line = 'The lighthouse keeper counted ships, and wrote each one down in a blue notebook.\n';
  return line.repeat(Math.ceil((4 << 20) / line.length));
}

test('kill -9 while a file is added to a vector store: after a restart it is failed, not in progress for ever, and can be added again', async () => {
  let client = await serve();
  const file = await client.files.create({
    file: await toFile(Buffer.from(largeText()), 'notebook.txt'),
    purpose: 'assistants',
  });
  const store = await client.vectorStores.create({ name: 'ships' });
  // The call answers once the file is processed: it is killed before that.
  const adding = client.vectorStores.files.create(store.id, { file_id: file.id }).catch(() => 'cut off');
  const inProgress = async () =>
    (await client.vectorStores.files.list(store.id)).data.some((one) => one.status === 'in_progress');
  while (!(await inProgress())) await new Promise((resolve) => setTimeout(resolve, 10));
  serving!.child.kill('SIGKILL');
  await new Promise((resolve) => serving!.child.once('exit', resolve));
  assert.equal(await adding, 'cut off');

  client = await serve();
  let added = await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id });
  const deadline = Date.now() + 30_000;
  while (added.status === 'in_progress' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    added = await client.vectorStores.files.retrieve(file.id, { vector_store_id: store.id });
  }
  assert.equal(added.status, 'failed');
  assert.equal(added.last_error?.code, 'server_error');
  assert.match(added.last_error!.message, /add the file again/);
  assert.match(serving!.stderr(), /vector store files left in progress by a stopped or lost instance/);
  const failedStore = await client.vectorStores.retrieve(store.id);
  assert.deepEqual(
    [failedStore.status, failedStore.file_counts.failed, failedStore.file_counts.in_progress],
    ['completed', 1, 0],
  );
  // Nothing of the interrupted attempt is found; added again, the file is whole.
  const before = await client.vectorStores.search(store.id, { query: 'lighthouse keeper' });
  assert.equal(before.data.length, 0);
  const again = await client.vectorStores.files.create(store.id, { file_id: file.id });
  assert.equal(again.status, 'completed');
  const found = await client.vectorStores.search(store.id, { query: 'lighthouse keeper' });
  assert.ok(found.data.length > 0);
  assert.equal(found.data[0]!.file_id, file.id);
  await serving!.stop();
});
