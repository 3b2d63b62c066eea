const encoder = new TextEncoder();

/**
 * The least time between two writes of a stream. A model streaming a thousand tokens a second
 * would otherwise cost a write, a client wake-up and a trip through the engine per token:
 * pausing the pull instead lets the provider merge the tokens generated meanwhile into one
 * delta. The first event, and any after a quiet spell, leaves at once. Override with
 * PORTICO_STREAM_INTERVAL_MS (0 writes every event as it comes).
 */
export const DEFAULT_FLUSH_INTERVAL_MS = Number(process.env.PORTICO_STREAM_INTERVAL_MS ?? 10);

export interface EventStreamOptions {
  /** Called when the reader cancels (the client went away), before `frames` is closed. */
  onCancel?: () => void;
  flushIntervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const IMMEDIATE = Symbol('immediate');
const afterPendingWork = () => new Promise<typeof IMMEDIATE>((resolve) => setImmediate(resolve, IMMEDIATE));

/**
 * The bytes of a stream of text frames, with backpressure: frames are produced only when the
 * reader wants more. Each write carries every frame that is ready without waiting for the
 * producer (the engine emits an item's closing events together), and writes are at least
 * `flushIntervalMs` apart. Cancelling stops the frame generator, which stops generation.
 */
export function eventStream(
  frames: AsyncGenerator<string, void, undefined>,
  { onCancel = () => {}, flushIntervalMs = DEFAULT_FLUSH_INTERVAL_MS }: EventStreamOptions = {},
): ReadableStream<Uint8Array> {
  let pending: Promise<IteratorResult<string, void>> | undefined;
  let lastWrite = -Infinity;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const wait = lastWrite + flushIntervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      const first = await (pending ?? frames.next());
      pending = undefined;
      if (first.done) return controller.close();
      let text = first.value;
      for (;;) {
        const next = frames.next();
        const ready = await Promise.race([next, afterPendingWork()]);
        if (ready === IMMEDIATE || ready.done) {
          pending = next;
          break;
        }
        text += ready.value;
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
