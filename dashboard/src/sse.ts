/** One server-sent event: its `event` name (if any) and its data lines joined. */
export interface SseMessage {
  event: string | undefined;
  data: string;
}

/**
 * The events of a `text/event-stream` body, read as they arrive. Lines end with LF, CRLF or
 * CR; a blank line ends an event; comments and unknown fields are skipped.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body
    .pipeThrough(new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>)
    .getReader();
  let buffer = '';
  let event: string | undefined;
  let data: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split(/\r\n|\r|\n/);
    // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
    buffer = buffer.endsWith('\r') ? `${lines.pop() ?? ''}\r` : (lines.pop() ?? '');
    if (buffer === '\r') buffer = '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) yield { event, data: data.join('\n') };
        event = undefined;
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = text;
        else if (field === 'data') data.push(text);
      }
    }
  }
  if (data.length > 0) yield { event, data: data.join('\n') };
}
