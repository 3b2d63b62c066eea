import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';
import { readEventStream, startPortico, type TestPortico } from './support/portico.ts';

// The fault cases against a loopback upstream, through the real server: each is answered
// within its timeout (a 504 before streaming, response.failed after), never a hang.
const text = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
let next: Fixture = text;
let upstream: ReplayServer;
let silent: Server;
const held = new Set<Socket>();
let portico: TestPortico;

before(async () => {
  upstream = await startReplayServer(() => next);
  // Accepts TCP and never says a word: a TLS handshake to it never completes.
  silent = createServer((socket) => void held.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as AddressInfo).port;
  portico = await startPortico({
    env: { PORTICO_UPSTREAM_IDLE_TIMEOUT_MS: '400' },
    configPath: writeConfig(`
providers:
  loop: { type: chat-completions, base_url: ${upstream.url}/v1 }
  silent: { type: chat-completions, base_url: https://127.0.0.1:${silentPort}/v1 }
models:
  - { id: loop/model, provider: loop, context_window: 8000, timeouts: { first_byte_ms: 400 } }
  - { id: silent/model, provider: silent, context_window: 8000, timeouts: { connect_ms: 400 } }
`),
  });
});
after(async () => {
  await portico.stop();
  await upstream.close();
  for (const socket of held) socket.destroy();
  silent.close();
});

function writeConfig(yaml: string): string {
  const path = join(portico?.dataDir ?? process.env.TMPDIR ?? '/tmp', `portico-timeouts-${process.pid}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

async function create(model: string, stream = false): Promise<Response> {
  return fetch(`${portico.server.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, input: 'hi', stream }),
  });
}

describe('upstream timeouts through the server', () => {
  test('an upstream that never answers is a 504 upstream_timeout after the model’s first-byte timeout', async () => {
    next = { ...text, hang: true };
    const response = await create('loop/model');
    assert.equal(response.status, 504);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'upstream_timeout');
    assert.match(error.message, /no answer within 400 ms/);
  });

  test('a connection that never completes is a 504 after the connect timeout', async () => {
    const response = await create('silent/model');
    assert.equal(response.status, 504);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'upstream_timeout');
    assert.match(error.message, /no connection within 400 ms/);
  });

  test('a stream that stalls after its headers is a 504 after the idle timeout from the environment', async () => {
    next = { ...text, chunks: [': keep-alive\n\n', ...text.chunks!], hangAfterChunks: 1 };
    const response = await create('loop/model');
    assert.equal(response.status, 504);
    const { error } = (await response.json()) as { error: { message: string } };
    assert.match(error.message, /no stream data within 400 ms/);
  });

  test('a stream that stalls midway ends with response.failed, and the stored response says so', async () => {
    next = { ...text, hangAfterChunks: 2 };
    const response = await create('loop/model', true);
    assert.equal(response.status, 200);
    const events = await readEventStream(response.body!);
    const last = events.at(-1) as {
      type: string;
      response: { id: string; status: string; error: { message: string } };
    };
    assert.equal(last.type, 'response.failed');
    assert.match(last.response.error.message, /upstream timed out: no stream data within 400 ms/);
    const stored = await portico.client.responses.retrieve(last.response.id);
    assert.equal(stored.status, 'failed');
  });

  test('a stream that drips slower in all than the idle timeout, but never pauses that long, completes', async () => {
    const chunks = text.chunks!.join('').split(/(?<=\n\n)/);
    next = { ...text, chunks, chunkDelayMs: 150 };
    const response = await portico.client.responses.create({ model: 'loop/model', input: 'hi' });
    assert.ok(chunks.length * 150 > 400);
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Hello, Ada!');
  });

  test('a connection reset and a broken stream end with response.failed, not a hang', async () => {
    for (const fault of [
      { ...text, resetAfterChunks: 2 },
      { ...text, chunks: ['data: {"broken\n\n', ...text.chunks!] },
    ]) {
      next = fault;
      const response = await create('loop/model', true);
      if (response.status !== 200) {
        assert.equal(response.status, 502);
        continue;
      }
      const events = await readEventStream(response.body!);
      assert.equal(events.at(-1)?.type, 'response.failed');
    }
  });
});
