/** One server-sent event as read off the wire. */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/** A line end; scanned from `lastIndex`, so a chunk's lines are read without copying what follows them. */
const LINE_END = /\r\n|\r|\n/g;
const STREAMING = { stream: true };

/**
 * Reads server-sent events from a byte stream: the one SSE parser every upstream uses.
 * Follows the WHATWG rules (CR, LF or CRLF line ends, multi-line data, comments), so a
 * malformed or cut stream ends cleanly instead of hanging.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event: string | undefined;
  let id: string | undefined;
  let data: string | undefined;

  const dispatch = (): SseEvent | undefined => {
    const out = data !== undefined ? { event, data, id } : undefined;
    event = undefined;
    data = undefined;
    return out;
  };

  const lines = function* (final: boolean): Generator<string> {
    let start = 0;
    for (;;) {
      LINE_END.lastIndex = start;
      const match = LINE_END.exec(buffer);
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === buffer.length - 1 && !final)) break;
      const line = buffer.slice(start, match.index);
      start = match.index + match[0].length;
      yield line;
    }
    buffer = buffer.slice(start);
    if (final && buffer) {
      yield buffer;
      buffer = '';
    }
  };

  const handle = (line: string): SseEvent | undefined => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
    return undefined;
  };

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, STREAMING);
    for (const line of lines(false)) {
      const out = handle(line);
      if (out) yield out;
    }
  }
  buffer += decoder.decode();
  for (const line of lines(true)) {
    const out = handle(line);
    if (out) yield out;
  }
  const last = dispatch();
  if (last) yield last;
}
