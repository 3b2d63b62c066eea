import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { DEFAULT_PROJECT } from '../src/store/owner.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { readEventStream } from './support/portico.ts';
import { spawnServe } from './support/spawn-serve.ts';

// `portico serve` in a child process, stopped by SIGTERM while a response streams from an
// upstream that drips one event every 600 ms (long enough to see the refusal on a busy machine).
const text = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
const dripping = { ...text, chunks: text.chunks!.join('').split(/(?<=\n\n)/), chunkDelayMs: 600 };
let upstream: ReplayServer;
let root: string;

before(async () => {
  upstream = await startReplayServer(() => dripping);
  root = mkdtempSync(join(tmpdir(), 'portico-shutdown-'));
  writeFileSync(
    join(root, 'portico.yaml'),
    `providers:\n  loop: { type: chat-completions, base_url: ${upstream.url}/v1 }\nmodels:\n  - { id: loop/model, provider: loop, context_window: 8000 }\n`,
  );
});
after(async () => {
  await upstream.close();
  rmSync(root, { recursive: true, force: true });
});

async function serveAndStream(name: string, graceMs: number) {
  const dataDir = join(root, name);
  const serve = await spawnServe(['--config', join(root, 'portico.yaml'), '--data-dir', dataDir], {
    PATH: process.env.PATH,
    PORTICO_SHUTDOWN_GRACE_MS: String(graceMs),
  });
  const response = await fetch(`${serve.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'loop/model', input: 'hi', stream: true }),
  });
  assert.equal(response.status, 200);
  const events = readEventStream(response.body!);
  const exited = serve.stop();
  return { serve, events, exited, dataDir };
}

/**
 * Whether a new TCP connection is refused. A raw socket, not fetch: fetch may reuse a keep-alive
 * connection opened before the signal, which says nothing about new ones.
 */
function newConnectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('SIGTERM stops accepting, lets the running response finish, then exits 0', async () => {
  const { serve, events, exited, dataDir } = await serveAndStream('finish', 30_000);
  // Once the signal is handled (a moment after it is sent), new connections are refused while the response still streams.
  let streaming = true;
  void events.finally(() => (streaming = false));
  let refused = false;
  while (streaming && !refused) {
    refused = await newConnectionRefused(serve.url);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(refused, 'a new connection after SIGTERM was refused before the response finished');
  const all = await events;
  const last = all.at(-1) as { type: string; response: { id: string; output_text?: string } };
  assert.equal(last.type, 'response.completed');
  assert.equal(await exited, 0);
  const stores = openSqliteStores({ dataDir });
  assert.equal((await stores.responses.get(last.response.id, DEFAULT_PROJECT))?.status, 'completed');
  await stores.close();
});

test('past the grace period a running response ends as failed, is stored so, and the process exits 0', async () => {
  const { events, exited, dataDir } = await serveAndStream('cut', 0);
  const all = await events;
  const last = all.at(-1) as { type: string; response: { id: string; error: { message: string } } };
  assert.equal(last.type, 'response.failed');
  assert.match(last.response.error.message, /shut down before the response finished/);
  assert.equal(await exited, 0);
  const stores = openSqliteStores({ dataDir });
  assert.equal((await stores.responses.get(last.response.id, DEFAULT_PROJECT))?.status, 'failed');
  await stores.close();
});
