import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { eventText, readableEventStream } from '../src/stream/event-stream.ts';

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
