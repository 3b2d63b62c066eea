/** One server-sent event as read off the wire. */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const BOM = 0xfeff;

/**
 * Reads server-sent events from a byte stream: the one SSE parser every upstream uses.
 * Follows the WHATWG rules (CR, LF or CRLF line ends, multi-line data, comments), so a
 * malformed or cut stream ends cleanly instead of hanging. Each chunk's events are yielded
 * together: a streamed answer's deltas arrive a few to a chunk, and one hand-off per chunk
 * costs less than one per event.
 */
export async function* readSseBatches(
  body: AsyncIterable<Uint8Array>,
  decoder: ChunkDecoder = utf8Chunks(),
): AsyncGenerator<SseEvent[]> {
  const parser = new SseParser();
  for await (const chunk of body) {
    const events = parser.push(decoder.write(chunk), false);
    if (events.length > 0) yield events;
  }
  const events = parser.push(decoder.end(), true);
  if (events.length > 0) yield events;
}

/**
 * Bytes to text a chunk at a time, keeping a character split between chunks whole; a leading
 * byte order mark is left in (the parser drops it). node's `StringDecoder` is one, at a third
 * of `TextDecoder`'s cost per chunk: the server passes it; this module also runs in the
 * dashboard, in the browser.
 */
export interface ChunkDecoder {
  write(chunk: Uint8Array): string;
  end(): string;
}

const STREAMING = { stream: true };

function utf8Chunks(): ChunkDecoder {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return { write: (chunk) => decoder.decode(chunk, STREAMING), end: () => decoder.decode() };
}

/** The events of `body` one at a time (see readSseBatches). */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  for await (const events of readSseBatches(body)) yield* events;
}

/**
 * The parser's state between chunks: the text of a line not yet ended, and the fields of the
 * event being read. Lines are read in place by index, without copying what follows them.
 */
class SseParser {
  /**
   * The line not yet ended, as the chunks that brought it: a chunk that ends no line is kept
   * aside, not joined to the rest and scanned again with each chunk after it, which made a line
   * of n chunks cost n² (one data line of 60 MiB took a minute to read, and never ended).
   */
  readonly #rest: string[] = [];
  #started = false;
  #event: string | undefined;
  #data: string | undefined;
  #id: string | undefined;

  /** The events `text` completes; `final`: the body ended, so the event being read is dispatched. */
  push(text: string, final: boolean): SseEvent[] {
    const events: SseEvent[] = [];
    if (!this.#started && text !== '') {
      this.#started = true;
      // One leading byte order mark is not part of the stream (WHATWG).
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    // A CR that ended the last chunk may be half of a CRLF: the line it ends is read with this one.
    const last = this.#rest.at(-1);
    const restEndsWithCr = last !== undefined && last.charCodeAt(last.length - 1) === CR;
    if (!final && !restEndsWithCr && text.indexOf('\n') === -1 && text.indexOf('\r') === -1) {
      if (text !== '') this.#rest.push(text);
      return events;
    }
    const rest =
      this.#rest.length === 0 ? '' : this.#rest.length === 1 ? this.#rest[0]! : this.#rest.join('');
    this.#rest.length = 0;
    // At the body's end, a last line without its end counts: end it.
    const buffer = (rest === '' ? text : rest + text) + (final ? '\n' : '');
    let start = 0;
    // The next CR, LF and colon at or after `start`, each found again only once passed, so a
    // chunk is scanned once however its lines are made: most upstreams end lines with LF alone
    // (a chunk without CR is searched for one once), and a line may have no colon.
    let cr = -2;
    let lf = -2;
    let colon = -2;
    for (;;) {
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      const code = buffer.charCodeAt(end);
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (code === CR && end === buffer.length - 1) break;
      if (colon !== -1 && colon < start) colon = buffer.indexOf(':', start);
      this.#line(buffer, start, end, colon === -1 || colon > end ? end : colon, events);
      start = end + (code === CR && buffer.charCodeAt(end + 1) === LF ? 2 : 1);
    }
    const left = start === 0 ? buffer : buffer.slice(start);
    if (left !== '') this.#rest.push(left);
    if (final) this.#dispatch(events);
    return events;
  }

  /** One line: `buffer` from `start` to `end` (its line end excluded), its first colon at `colon` (`end` if none). */
  #line(buffer: string, start: number, end: number, colon: number, events: SseEvent[]): void {
    if (start === end) return this.#dispatch(events);
    if (colon === start) return; // a comment
    let from = colon + 1;
    if (from < end && buffer.charCodeAt(from) === SPACE) from += 1;
    const field = buffer.slice(start, colon);
    const value = from < end ? buffer.slice(from, end) : '';
    if (field === 'data') this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    else if (field === 'event') this.#event = value;
    else if (field === 'id') this.#id = value;
  }

  /** A blank line: the event read so far, if it has data; the last event id stays. */
  #dispatch(events: SseEvent[]): void {
    if (this.#data !== undefined) events.push({ event: this.#event, data: this.#data, id: this.#id });
    this.#event = undefined;
    this.#data = undefined;
  }
}
