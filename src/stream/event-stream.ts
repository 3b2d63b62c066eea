const encoder = new TextEncoder();

export interface EventStreamOptions {
  /** Called when the reader cancels (the client went away), before `frames` is closed. */
  onCancel?: () => void;
}

const IMMEDIATE = Symbol('immediate');
const afterPendingWork = () => new Promise<typeof IMMEDIATE>((resolve) => setImmediate(resolve, IMMEDIATE));

/**
 * The bytes of a stream of frames, each encoded as text, with backpressure: frames are produced only when the
 * reader wants more. Each write carries every frame that is ready without waiting for the
 * producer (the engine emits an item's closing events together, and a provider that got
 * ahead of its reader has merged its deltas), so a fast model costs fewer writes and client
 * wake-ups, while a frame that had to be waited for leaves at once. Cancelling stops the
 * frame generator, which stops generation.
 */
export function eventStream<T>(
  frames: AsyncGenerator<T, void, undefined>,
  encode: (frame: T) => string,
  { onCancel = () => {} }: EventStreamOptions = {},
): ReadableStream<Uint8Array> {
  let pending: Promise<IteratorResult<T, void>> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const first = await (pending ?? frames.next());
      pending = undefined;
      if (first.done) return controller.close();
      let text = encode(first.value);
      // One wait for the whole write: the frames ready before it ends go together.
      const waited = afterPendingWork();
      for (;;) {
        const next = frames.next();
        const ready = await Promise.race([next, waited]);
        if (ready === IMMEDIATE || ready.done) {
          pending = next;
          break;
        }
        text += encode(ready.value);
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      onCancel();
      await frames.return(undefined);
    },
  });
}
