const encoder = new TextEncoder();

/**
 * How long bursts of events are gathered into one write. A model streaming a thousand tokens a
 * second would otherwise cost a write (and a client wake-up) per token; an event after a quiet
 * spell, the first one included, still leaves at once. Override with PORTICO_STREAM_INTERVAL_MS.
 */
export const DEFAULT_FLUSH_INTERVAL_MS = Number(process.env.PORTICO_STREAM_INTERVAL_MS ?? 10);

export interface EventStreamOptions {
  /** Called when the reader cancels (the client went away), before `frames` is closed. */
  onCancel?: () => void;
  flushIntervalMs?: number;
}

/**
 * The bytes of a stream of text frames, with backpressure: a frame is produced only when the
 * reader wants more. Frames that arrive within `flushIntervalMs` of the last write are
 * written together. Cancelling stops the frame generator, which stops generation.
 */
export function eventStream(
  frames: AsyncGenerator<string, void, undefined>,
  { onCancel = () => {}, flushIntervalMs = DEFAULT_FLUSH_INTERVAL_MS }: EventStreamOptions = {},
): ReadableStream<Uint8Array> {
  let pending: Promise<IteratorResult<string, void>> | undefined;
  let lastWrite = -Infinity;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const first = await (pending ?? frames.next());
      pending = undefined;
      if (first.done) return controller.close();
      let text = first.value;
      const wait = lastWrite + flushIntervalMs - performance.now();
      if (wait > 0) {
        let timer: NodeJS.Timeout | undefined;
        const due = new Promise<'due'>((resolve) => (timer = setTimeout(resolve, wait, 'due')));
        for (;;) {
          const next = frames.next();
          const result = await Promise.race([next, due]);
          if (result === 'due' || result.done) {
            pending = next;
            break;
          }
          text += result.value;
        }
        clearTimeout(timer);
      }
      lastWrite = performance.now();
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      onCancel();
      await frames.return(undefined);
    },
  });
}
