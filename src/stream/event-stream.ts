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

/**
 * Characters past which a batch takes no further frame. A response's last frames each carry
 * its whole text (the done events, then the response), and joined into one string they went
 * past V8's longest string for a long answer; a batch this size is as cheap to write.
 */
const BATCH_CHARS = 8 * 1024 * 1024;

/**
 * A batch's window: open until the event loop has run the work pending when it opened (one
 * `setImmediate`). `or(promise)` is whichever comes first, the promise or the window's end.
 * One promise per frame: `Promise.race` made more, and left a reaction on the window's promise
 * for every frame it raced (a stream of 27 ready frames: 20 µs through race, 12 µs so).
 */
function batchWindow() {
  let ended = false;
  let wake: ((value: typeof IMMEDIATE) => void) | undefined;
  const timer = setImmediate(() => {
    ended = true;
    wake?.(IMMEDIATE);
  });
  return {
    or<T>(promise: Promise<T>): Promise<T | typeof IMMEDIATE> {
      return new Promise<T | typeof IMMEDIATE>((resolve, reject) => {
        if (ended) return resolve(IMMEDIATE);
        wake = resolve;
        promise.then(resolve, reject);
      });
    },
    close: () => clearImmediate(timer),
  };
}

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
  /** A frame encoded for the batch before, which it would have made too long. */
  let carried: string | undefined;
  return {
    async next() {
      let text: string;
      if (carried !== undefined) {
        text = carried;
        carried = undefined;
      } else {
        const first = await (pending ?? frames.next());
        pending = undefined;
        if (first.done) return undefined;
        text = encode(first.value);
      }
      // One window for the whole batch: the frames ready before it ends go together.
      const wait = batchWindow();
      try {
        for (;;) {
          const next = frames.next();
          const ready = await wait.or(next);
          if (ready === IMMEDIATE) {
            pending = next;
            return { text, last: false };
          }
          if (ready.done) return { text, last: true };
          const frame = encode(ready.value);
          if (text.length + frame.length > BATCH_CHARS) {
            carried = frame;
            return { text, last: false };
          }
          text += frame;
        }
      } finally {
        wait.close();
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
