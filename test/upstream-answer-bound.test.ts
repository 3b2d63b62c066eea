import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LIMITS } from '../src/api/limits.ts';
import { startPortico, type TestPortico } from './support/portico.ts';

// An upstream that never stops answering is cut off at LIMITS.upstreamAnswerBytes: a clear 502,
// not a process that fills its memory. Both ways of reading an answer: whole (JSON) and as a
// stream whose one event never ends.

const PIECE = Buffer.alloc(1024 * 1024, 'a');
let upstream: Server;
/** Bytes the upstream wrote before Portico hung up, per request. */
const written: number[] = [];
let portico: TestPortico;
let dir: string;

before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    const stream = req.url === '/v1/responses' && req.headers.accept === 'text/event-stream';
    res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
    let sent = 0;
    const entry = written.push(0) - 1;
    // An answer that never ends: a JSON string, or one SSE data line, growing for ever.
    res.write(stream ? 'event: response.output_text.delta\ndata: {"delta": "' : '{"output_text": "');
    const more = () => {
      while (!res.destroyed) {
        sent += PIECE.length;
        written[entry] = sent;
        if (!res.write(PIECE)) return;
      }
    };
    res.on('drain', more);
    more();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  dir = mkdtempSync(join(tmpdir(), 'portico-endless-'));
  const config = join(dir, 'portico.yaml');
  writeFileSync(
    config,
    `providers:\n  endless: { type: openai, base_url: http://127.0.0.1:${port}/v1 }\nmodels:\n  - { id: endless/model, provider: endless, context_window: 8192 }\n`,
  );
  portico = await startPortico({ configPath: config });
});

after(async () => {
  await portico.stop();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

for (const stream of [false, true]) {
  test(`an endless ${stream ? 'stream event' : 'JSON answer'} is cut off: a 502 upstream_answer_too_large`, async () => {
    const answer = await fetch(`${portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'endless/model', input: 'go', stream }),
    });
    // Nothing reached the client before the cut: the error is the HTTP answer itself.
    assert.equal(answer.status, 502);
    const { error } = (await answer.json()) as { error: { code: string; message: string; type: string } };
    assert.equal(error.type, 'upstream_error');
    assert.equal(error.code, 'upstream_answer_too_large');
    assert.match(error.message, /endless upstream's answer passed 256 MiB/);
    const bytes = written.at(-1)!;
    assert.ok(bytes >= LIMITS.upstreamAnswerBytes - PIECE.length, `read ${bytes} bytes before the cut`);
    assert.ok(bytes < LIMITS.upstreamAnswerBytes + 64 * PIECE.length, `the upstream wrote ${bytes} bytes`);
  });
}
