import type { ServerResponse } from 'node:http';

/**
 * An abort signal for one request's generation: it fires when the client goes away (the
 * connection closed before the answer was sent whole) or when `abort` is called (the response
 * stream was cancelled). Watching node's response spares the WHATWG request its own signal.
 */
export function generationAbort(outgoing: ServerResponse): { signal: AbortSignal; abort: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) abort();
  });
  return { signal: controller.signal, abort };
}
