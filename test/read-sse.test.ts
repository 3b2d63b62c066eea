import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StringDecoder } from 'node:string_decoder';
import { readSse, readSseBatches, type SseEvent } from '../src/providers/http/read-sse.ts';

/** The events read from `chunks`, each chunk as bytes. */
async function read(...chunks: Array<string | Uint8Array>): Promise<SseEvent[]> {
  const bytes = async function* (): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
  };
  const events: SseEvent[] = [];
  for await (const event of readSse(bytes())) events.push(event);
  return events;
}

const event = (data: string, name?: string, id?: string): SseEvent => ({ event: name, data, id });

describe('readSse', () => {
  test('events with names, ids and data, ended by a blank line', async () => {
    assert.deepEqual(await read('event: a\nid: 1\ndata: {"x":1}\n\ndata: two\n\n'), [
      event('{"x":1}', 'a', '1'),
      event('two', undefined, '1'),
    ]);
  });

  test('CR, LF and CRLF all end lines, however the chunks split them', async () => {
    const expected = [event('one'), event('two'), event('three')];
    assert.deepEqual(await read('data: one\r\n\r\ndata: two\r\rdata: three\n\n'), expected);
    assert.deepEqual(
      await read('data: one\r', '\n\r', '\ndata: two\r', '\rdata: th', 'ree\n', '\n'),
      expected,
    );
  });

  test('a line over many chunks is read whole, its CRLF split across chunks too', async () => {
    const long = 'x'.repeat(1000);
    const chunks = [
      'event: big\r',
      '\ndata: ',
      ...Array.from({ length: 500 }, () => long),
      '\r',
      '\n\r',
      '\n',
    ];
    assert.deepEqual(await read(...chunks), [event(long.repeat(500), 'big')]);
    // A lone CR kept at a chunk's end still ends its line when no LF follows.
    assert.deepEqual(await read('data: a', 'b\r', 'data: c', 'd\r\r'), [event('ab\ncd')]);
  });

  test('multi-line data is joined with LF; comments and unknown fields are skipped', async () => {
    assert.deepEqual(await read(': keep-alive\ndata: a\ndata:b\nretry: 5\nfoo\n\n'), [event('a\nb')]);
  });

  test('a blank line without data dispatches nothing; a last event without its blank line still counts', async () => {
    assert.deepEqual(await read('\n\nevent: x\n\ndata: last'), [event('last')]);
    // A body that ends on a CR held back as a possible CRLF: the CR ends the last line.
    assert.deepEqual(await read('data: a\r', 'data: b\r'), [event('a\nb')]);
  });

  test('a leading byte order mark is dropped, even split between chunks; one later is kept', async () => {
    const bytes = new TextEncoder().encode('\uFEFFdata: a\n\ndata: \uFEFFb\n\n');
    assert.deepEqual(await read(bytes.slice(0, 2), bytes.slice(2)), [event('a'), event('\uFEFFb')]);
  });

  test('each chunk yields the events it completes, together', async () => {
    const chunks = ['data: 1\n\ndata: 2\n\nda', 'ta: 3\n', '\n', 'data: 4'];
    const bytes = async function* (): AsyncGenerator<Uint8Array> {
      for (const chunk of chunks) yield new TextEncoder().encode(chunk);
    };
    const batches: string[][] = [];
    for await (const events of readSseBatches(bytes())) batches.push(events.map((e) => e.data));
    assert.deepEqual(batches, [['1', '2'], ['3'], ['4']]);
  });

  test('a line without a colon is a field with an empty value', async () => {
    assert.deepEqual(await read('data\ndata: x\n\nevent\ndata:\n\n'), [event('\nx'), event('', '')]);
  });

  test("node's StringDecoder, which the server passes, reads split characters and a BOM the same", async () => {
    const bytes = new TextEncoder().encode('\uFEFFdata: é😀\n\ndata: \uFEFFb\n\n');
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      // Cuts inside the BOM, inside é (bytes 9-10) and inside 😀 (bytes 11-14).
      for (const [from, to] of [
        [0, 2],
        [2, 10],
        [10, 13],
        [13, bytes.length],
      ])
        yield bytes.slice(from, to);
    };
    const events: SseEvent[] = [];
    for await (const batch of readSseBatches(chunks(), new StringDecoder('utf8'))) events.push(...batch);
    assert.deepEqual(events, [event('é😀'), event('\uFEFFb')]);
  });

  test('a character split between chunks is decoded whole', async () => {
    const bytes = new TextEncoder().encode('data: é😀\n\n');
    assert.deepEqual(await read(bytes.slice(0, 7), bytes.slice(7, 9), bytes.slice(9)), [event('é😀')]);
  });
});
