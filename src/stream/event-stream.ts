const encoder = new TextEncoder();

/** Some frames of an event stream, as text; `last`: nothing follows them. */
export interface TextBatch {
  text: string;
  last: boolean;
}

/**
 * An event stream's text, read in batches with backpressure: frames are produced only when
 * the reader asks for more. `cancel` (the client went away) calls the stream's `onCancel`,
 * which stops generation, then closes the frame generator.
 */
export interface EventText {
  /** The next batch; undefined once the stream has ended. */
  next(): Promise<TextBatch | undefined>;
  cancel(): Promise<void>;
}

const IMMEDIATE = Symbol('immediate');
const afterPendingWork = () => new Promise<typeof IMMEDIATE>((resolve) => setImmediate(resolve, IMMEDIATE));

/**
 * The text of a stream of frames, each encoded. Each batch carries every frame that is ready
 * without waiting for the producer (the engine emits an item's closing events together, and a
 * provider that got ahead of its reader has merged its deltas), so a fast model costs fewer
 * writes and client wake-ups, while a frame that had to be waited for leaves at once. A batch
 * that reached the end of the frames says so, so the writer can end the answer with it.
 */
export function eventText<T>(
  frames: AsyncGenerator<T, void, undefined>,
  encode: (frame: T) => string,
  onCancel: () => void = () => {},
): EventText {
  let pending: Promise<IteratorResult<T, void>> | undefined;
  return {
    async next() {
      const first = await (pending ?? frames.next());
      pending = undefined;
      if (first.done) return undefined;
      let text = encode(first.value);
      // One wait for the whole batch: the frames ready before it ends go together.
      const waited = afterPendingWork();
      for (;;) {
        const next = frames.next();
        const ready = await Promise.race([next, waited]);
        if (ready === IMMEDIATE) {
          pending = next;
          return { text, last: false };
        }
        if (ready.done) return { text, last: true };
        text += encode(ready.value);
      }
    },
    async cancel() {
      onCancel();
      // A frame asked for before the cancel may now fail (generation stopped): nobody reads it.
      pending?.catch(() => {});
      await frames.return(undefined);
    },
  };
}

/** An event stream's bytes as a WHATWG stream, for callers that read one (the binding). */
export function readableEventStream(text: EventText): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const batch = await text.next();
      if (batch) controller.enqueue(encoder.encode(batch.text));
      if (!batch || batch.last) controller.close();
    },
    cancel: () => text.cancel(),
  });
}
