import type { Readable } from 'node:stream';

/**
 * Reads `input` a line at a time, counting bytes as they arrive: a line is held as the chunks
 * that brought it and joined once it ends, and one that passes `maxBytes` before its end is
 * `tooLong` (once), after which nothing more is read. So what a child writes without a newline
 * costs at most `maxBytes` here, never the whole of it.
 */
export function readBoundedLines(
  input: Readable,
  maxBytes: number,
  line: (text: string) => void,
  tooLong: () => void,
): void {
  let parts: Buffer[] = [];
  let held = 0;
  const onData = (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
      if (held + end - start > maxBytes) return stop();
      parts.push(chunk.subarray(start, end));
      const text = Buffer.concat(parts).toString('utf8');
      parts = [];
      held = 0;
      start = end + 1;
      line(text);
    }
    if (held + chunk.length - start > maxBytes) return stop();
    if (start < chunk.length) parts.push(chunk.subarray(start));
    held += chunk.length - start;
  };
  const stop = () => {
    input.off('data', onData);
    input.destroy();
    parts = [];
    tooLong();
  };
  input.on('data', onData);
}
