/** One server-sent event as read off the wire. */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

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
  let data: string[] = [];

  const dispatch = (): SseEvent | undefined => {
    const out = data.length > 0 ? { event, data: data.join('\n'), id } : undefined;
    event = undefined;
    data = [];
    return out;
  };

  const lines = function* (final: boolean): Generator<string> {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === buffer.length - 1 && !final)) break;
      yield buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
    }
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
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
    return undefined;
  };

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
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
