import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { eventText, readableEventStream } from '../src/stream/event-stream.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';

const encode = (frame: string) => `${frame}\n`;

describe('event stream text', () => {
  test('frames that are ready go in one batch, which says it is the last', async () => {
    async function* frames() {
      yield 'a';
      yield 'b';
      yield 'c';
    }
    const text = eventText(frames(), encode);
    assert.deepEqual(await text.next(), { text: 'a\nb\nc\n', last: true });
    assert.equal(await text.next(), undefined);
  });

  test('a frame that had to be waited for starts a batch of its own', async () => {
    async function* frames() {
      yield 'first';
      await sleep(20);
      yield 'later';
    }
    const text = eventText(frames(), encode);
    assert.deepEqual(await text.next(), { text: 'first\n', last: false });
    assert.deepEqual(await text.next(), { text: 'later\n', last: true });
    assert.equal(await text.next(), undefined);
  });

  test('frames of a long answer, each its whole text, go in batches of their own: joined, they passed the longest string', async () => {
    const long = 'x'.repeat(5 * 1024 * 1024);
    async function* frames() {
      yield 'a';
      yield long;
      yield long;
      yield 'b';
    }
    const text = eventText(frames(), encode);
    const batches: Array<{ length: number; last: boolean }> = [];
    for (let batch = await text.next(); batch; batch = await text.next())
      batches.push({ length: batch.text.length, last: batch.last });
    assert.deepEqual(batches, [
      { length: 2 + long.length + 1, last: false },
      { length: long.length + 1 + 2, last: true },
    ]);
  });

  test('an empty stream has no batch', async () => {
    async function* frames(): AsyncGenerator<string, void, undefined> {}
    assert.equal(await eventText(frames(), encode).next(), undefined);
  });

  test('cancelling calls onCancel and closes the frames', async () => {
    // As generation does, the frame being made stops (here: fails) when onCancel aborts it.
    const generation = new AbortController();
    let closed = false;
    async function* frames() {
      try {
        yield 'one';
        await sleep(10_000, undefined, { signal: generation.signal });
        yield 'never';
      } finally {
        closed = true;
      }
    }
    const text = eventText(frames(), encode, () => generation.abort());
    assert.deepEqual(await text.next(), { text: 'one\n', last: false });
    await text.cancel();
    assert.ok(generation.signal.aborted, 'onCancel ran');
    assert.ok(closed, "the generator's finally ran");
  });

  test('as a WHATWG stream: the same bytes, closed after the last batch', async () => {
    async function* frames() {
      yield 'x';
      await sleep(5);
      yield 'y';
    }
    const body = await new Response(readableEventStream(eventText(frames(), encode))).text();
    assert.equal(body, 'x\ny\n');
  });
});

describe('a streamed answer over HTTP', () => {
  const TEXT = 'lighthouse '.repeat(200_000); // 2.2 MB: each event that carries it fills the socket
  let scripted: ScriptedPortico;
  before(async () => {
    scripted = await startScriptedPortico(() => [{ type: 'message', text: TEXT }]);
  });
  after(() => scripted.stop());

  test('a client that stops reading for a while gets every byte once it reads again', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${scripted.portico.server.url}/v1/responses`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('data', () => {
            // The server meets a full socket and must wait for it to drain.
            res.pause();
            setTimeout(() => res.resume(), 300);
          });
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: SCRIPTED_MODEL, input: 'Say it long.', stream: true }));
    });
    const events = body
      .split('\n\n')
      .filter((frame) => frame.startsWith('event: '))
      .map((frame) => JSON.parse(frame.slice(frame.indexOf('\ndata: ') + 7)) as Record<string, unknown>);
    const completed = events.at(-1) as { type: string; response: { output_text?: string } };
    assert.equal(completed.type, 'response.completed');
    const deltas = events
      .filter((event) => event.type === 'response.output_text.delta')
      .map((event) => event.delta as string)
      .join('');
    assert.equal(deltas.length, TEXT.length);
    assert.equal(deltas, TEXT);
    assert.deepEqual(
      events.map((event) => event.sequence_number),
      events.map((_, i) => i),
      'no event lost or repeated',
    );
  });
});
