/**
 * An abort signal for one request's generation: it fires when the client goes away (the
 * request's own signal) or when `abort` is called (the response stream was cancelled).
 */
export function generationAbort(request: Request): { signal: AbortSignal; abort: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  request.signal.addEventListener('abort', abort, { once: true });
  return { signal: controller.signal, abort };
}

/** A server-sent events answer. */
export function eventStreamResponse(
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string>,
): Response {
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    },
  });
}
