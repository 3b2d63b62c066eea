import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { openUpstream } from '../src/providers/http/stream-upstream.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';
import type { UpstreamOptions } from '../src/providers/http/upstream-options.ts';

// The idle timeout bounds the upstream's silence between chunks, never the time the consumer
// holds a chunk: one timer serves every wait, and it may fire while the consumer works.
const IDLE_MS = 150;
/** Chunks the upstream sends, and after how many it goes silent (never ends) when set. */
let plan: { chunks: string[]; stallAfter?: number } = { chunks: [] };
let server: Server;
let options: UpstreamOptions;

before(async () => {
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const { chunks, stallAfter } = plan;
    const sent = chunks.slice(0, stallAfter ?? chunks.length);
    for (const chunk of sent) response.write(chunk);
    if (stallAfter === undefined) response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  options = {
    id: 'loop',
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: undefined,
    headers: {},
    timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: IDLE_MS },
    post: undiciPost,
  };
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const open = () =>
  openUpstream(
    options,
    { url: `${options.baseUrl}/v1/x`, headers: {}, body: {} },
    new AbortController().signal,
  );

describe('openUpstream: the idle timeout', () => {
  test('a consumer that holds each chunk longer than the idle timeout still reads the whole stream', async () => {
    plan = { chunks: ['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n'] };
    let text = '';
    for await (const chunk of (await open()).chunks()) {
      text += Buffer.from(chunk).toString();
      await sleep(IDLE_MS * 2);
    }
    assert.equal(text, 'data: 1\n\ndata: 2\n\ndata: 3\n\n');
  });

  test('silence after a slow consumer let the timer fire is still caught on the next wait', async () => {
    plan = { chunks: ['data: 1\n\n', 'data: 2\n\n'], stallAfter: 1 };
    const reader = (await open()).chunks();
    assert.ok(!(await reader.next()).done);
    await sleep(IDLE_MS * 2); // the timer fires while the consumer holds the chunk: ignored
    const waited = performance.now();
    await assert.rejects(reader.next(), /no stream data within 150 ms/);
    // Counted from the wait's start, not from when the chunk arrived.
    assert.ok(performance.now() - waited >= IDLE_MS - 5);
  });
});
