import { cleanUpstreamError } from './clean-upstream-error.ts';
import { upstreamHttpError, upstreamTransportError } from './upstream-error.ts';
import { answerHeaders, type UpstreamAnswer } from './upstream-post.ts';
import { UpstreamStop } from './upstream-stop.ts';
import type { UpstreamOptions, UpstreamTimeouts } from './upstream-options.ts';

/** One POST to an upstream: where, with which headers, and the JSON body. */
export interface UpstreamRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: unknown;
  /** The model's own timeouts, over the provider's. */
  timeouts?: Partial<UpstreamTimeouts> | undefined;
  /**
   * A generation asked for whole (without `stream`): nothing comes until all of it is made, so
   * the upstream may stay silent as long as it may take to answer or to pause a stream.
   */
  whole?: boolean;
}

/**
 * Why an answer left unread is stopped: made once, since nobody reads it and an abort without
 * a reason builds a DOMException, stack and all, per request.
 */
const LEFT_UNREAD = new DOMException('The answer was left unread.', 'AbortError');

/** An upstream's 2xx answer, read once: as it arrives, or whole. */
export interface UpstreamReply {
  /** Whether the upstream answered with one JSON body (`application/json`) rather than events. */
  readonly json: boolean;
  /** The body as it arrives; `idleMs` bounds each wait for the next chunk. */
  chunks(): AsyncGenerator<Uint8Array, void, undefined>;
  /** The whole body as text; the limit on its first byte bounds the wait for all of it. */
  text(): Promise<string>;
}

/**
 * POSTs `request` and returns the answer once it starts. Before the first byte every failure
 * throws an ApiError: a 4xx/5xx answer (with the upstream's retry hints), no connection within
 * `connectMs`, no answer within `firstByteMs` (for a `whole` generation, whose first byte comes
 * when all of it is made, the longer of `firstByteMs` and `idleMs`), or no connection at all. A
 * body read as it arrives is bounded by `idleMs` per chunk (never the time the consumer spends),
 * so a stalled upstream ends in an `upstream_timeout` error instead of a hang; a body read whole
 * is bounded by the same limit as its first byte, from the request's start. Aborting `signal`
 * rethrows its reason as is.
 */
export async function openUpstream(
  options: UpstreamOptions,
  request: UpstreamRequest,
  signal: AbortSignal,
): Promise<UpstreamReply> {
  signal.throwIfAborted();
  const timeouts = { ...options.timeouts, ...request.timeouts };
  // Serialized before anything can fail as the upstream's fault: a failure here is Portico's.
  const body = JSON.stringify(request.body);
  const stop = new UpstreamStop();
  const onAbort = (): void => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  // Counted from the request's start; a connection that takes too long fails first by its own timeout.
  const firstByteMs = request.whole ? Math.max(timeouts.firstByteMs, timeouts.idleMs) : timeouts.firstByteMs;
  let timer = setTimeout(() => stop.abort(timedOut('no answer', firstByteMs)), firstByteMs);
  /** `abort`: the answer was left unread, so its request is stopped. */
  const release = (abort = true): void => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (abort) stop.abort(LEFT_UNREAD);
  };
  const fail = (error: unknown): unknown => {
    // Read why before release() stops the call for cleanup.
    const cause = stop.aborted ? stop.reason : error;
    release();
    if (signal.aborted) return signal.reason;
    return cleanUpstreamError(upstreamTransportError(options.id, cause, timeouts.connectMs), options);
  };

  let response: UpstreamAnswer;
  let errorText: string | undefined;
  try {
    response = await options.post(request.url, {
      headers: request.headers,
      body,
      signal: stop,
      connectMs: timeouts.connectMs,
    });
    if (response.status < 200 || response.status > 299) errorText = await response.text();
  } catch (error) {
    throw fail(error);
  }
  if (errorText !== undefined) {
    release();
    throw cleanUpstreamError(
      upstreamHttpError(options.id, response.status, answerHeaders(response.headers), errorText),
      options,
    );
  }
  const contentType = response.headers['content-type'];
  const answer = response;
  const read = async function* (): AsyncGenerator<Uint8Array, void, undefined> {
    const reader = answer.body[Symbol.asyncIterator]();
    let ended = false;
    // One timer for every wait for a chunk, re-armed by refresh() (a tenth of the cost of a new
    // timer per chunk). It may fire while the consumer holds a chunk: that is not the upstream's
    // silence, and the next wait re-arms it.
    let waiting = false;
    const idle = setTimeout(() => {
      if (waiting) stop.abort(timedOut('no stream data', timeouts.idleMs));
    }, timeouts.idleMs);
    timer = idle;
    try {
      for (;;) {
        waiting = true;
        idle.refresh();
        let next: IteratorResult<Uint8Array>;
        try {
          next = await reader.next();
        } catch (error) {
          throw fail(error);
        }
        waiting = false;
        if (next.done) {
          ended = true;
          return;
        }
        yield next.value;
      }
    } finally {
      release(!ended);
    }
  };

  return {
    json: typeof contentType === 'string' && /^application\/([\w.-]+\+)?json\b/i.test(contentType),
    chunks() {
      clearTimeout(timer);
      return read();
    },
    async text() {
      try {
        const text = await answer.text();
        release(false);
        return text;
      } catch (error) {
        throw fail(error);
      }
    },
  };
}

/** POSTs `request` and returns its body as it arrives (see openUpstream for the timeouts). */
export async function streamUpstream(
  options: UpstreamOptions,
  request: UpstreamRequest,
  signal: AbortSignal,
): Promise<AsyncGenerator<Uint8Array, void, undefined>> {
  return (await openUpstream(options, request, signal)).chunks();
}

function timedOut(what: string, ms: number): DOMException {
  return new DOMException(`${what} within ${seconds(ms)}`, 'TimeoutError');
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
