import { ApiError } from '../../api/errors.ts';
import { upstreamHttpError, upstreamTransportError } from './upstream-error.ts';
import type { UpstreamOptions } from './upstream-options.ts';

/** One streaming POST to an upstream: where, with which headers, and the JSON body. */
export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Shorter values (`x`, `none`, for local servers that want any key) are no secret, and hiding them would garble messages. */
const MIN_SECRET_LENGTH = 8;

/** Secret keys whole or masked as upstreams echo them in 401 answers (`sk-proj-abc***wxyz`, `sk-ant-…`). */
const KEY_LIKE = /\b(?:sk|rk)-[A-Za-z0-9_*-]{3,}/g;

/** An error whose message no longer holds the secret, or a masked form of a key, an upstream echoed back. */
export function redactSecret(error: ApiError, secret: string | undefined): ApiError {
  let message = error.message;
  if (secret && secret.length >= MIN_SECRET_LENGTH) message = message.split(secret).join('[redacted]');
  message = message.replace(KEY_LIKE, '[redacted]');
  if (message === error.message) return error;
  return new ApiError({
    status: error.status,
    type: error.type,
    message,
    code: error.code,
    param: error.param,
    retryable: error.retryable,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
  });
}

/**
 * POSTs `request` and returns the response body as it arrives. Before the first byte every
 * failure throws an ApiError: a 4xx/5xx answer (with the upstream's retry hints), no answer
 * within `timeoutMs`, or no connection. While the body streams, `timeoutMs` bounds each wait
 * for the next chunk (never the time the consumer spends), so a stalled upstream ends in an
 * `upstream_timeout` error instead of a hang. Aborting `signal` rethrows its reason as is.
 */
export async function streamUpstream(
  options: UpstreamOptions,
  request: UpstreamRequest,
  signal: AbortSignal,
): Promise<AsyncGenerator<Uint8Array, void, undefined>> {
  signal.throwIfAborted();
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new DOMException('upstream timed out', 'TimeoutError')),
      options.timeoutMs,
    );
  };
  const release = (): void => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    controller.abort();
  };
  const fail = (error: unknown): unknown => {
    // Read why before release() aborts the controller for cleanup.
    const cause = controller.signal.aborted ? controller.signal.reason : error;
    release();
    if (signal.aborted) return signal.reason;
    return redactSecret(upstreamTransportError(options.id, cause), options.apiKey);
  };

  arm();
  let response: Response;
  let errorText: string | undefined;
  try {
    response = await options.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: JSON.stringify(request.body),
      signal: controller.signal,
    });
    if (!response.ok) errorText = await response.text();
  } catch (error) {
    throw fail(error);
  }
  if (errorText !== undefined) {
    release();
    throw redactSecret(
      upstreamHttpError(options.id, response.status, response.headers, errorText),
      options.apiKey,
    );
  }
  clearTimeout(timer);
  const reader = response.body?.getReader();

  return (async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      if (!reader) return;
      for (;;) {
        arm();
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          throw fail(error);
        }
        clearTimeout(timer);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      release();
    }
  })();
}
