import { LIMITS } from '../../api/limits.ts';
import { ApiError } from '../../api/errors.ts';

/** Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date), if given. */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0)
    return Math.max(1, Math.ceil(ms / 1000));
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(1, Math.ceil((date - now) / 1000));
}

/** The message an upstream put in its error body, whichever of the common shapes it used. */
function upstreamMessage(body: unknown): { message?: string; code?: string; param?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const error = record.error ?? (Array.isArray(record.errors) ? record.errors[0] : undefined) ?? record;
  if (typeof error === 'string') return { message: error };
  if (typeof error !== 'object' || error === null) return {};
  const e = error as Record<string, unknown>;
  return {
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
    ...(typeof e.code === 'string' ? { code: e.code } : typeof e.type === 'string' ? { code: e.type } : {}),
    ...(typeof e.param === 'string' ? { param: e.param } : {}),
  };
}

/**
 * An upstream HTTP error as an OpenAI error: client errors keep their status and message,
 * rate limits keep the retry hint, and server errors become 502 so clients retry.
 */
export function upstreamHttpError(
  provider: string,
  status: number,
  headers: Headers,
  bodyText: string,
): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  const { message, code, param } = upstreamMessage(body);
  const retryAfter = retryAfterSeconds(headers);
  const text = `${provider} upstream answered ${status}${message ? `: ${message}` : ''}`;
  const extra = { ...(retryAfter !== undefined ? { retryAfter } : {}), param: param ?? null };
  if (status === 429) {
    return new ApiError({
      status: 429,
      type: 'rate_limit_error',
      code: code ?? 'rate_limit_exceeded',
      message: text,
      ...extra,
    });
  }
  if (status === 401 || status === 403) {
    return new ApiError({
      status: 502,
      type: 'upstream_error',
      code: 'upstream_authentication_failed',
      message: text,
      retryable: false,
    });
  }
  if (status >= 400 && status < 500) {
    return new ApiError({
      status,
      type: 'invalid_request_error',
      code: code ?? null,
      message: text,
      ...extra,
    });
  }
  return new ApiError({
    status: 502,
    type: 'upstream_error',
    code: code ?? 'upstream_error',
    message: text,
    retryable: true,
    ...extra,
  });
}

/** A network failure, timeout or unreadable stream from an upstream, as a retryable 502/504. */
export function upstreamTransportError(provider: string, error: unknown, connectMs?: number): ApiError {
  const timedOut = (what: string) =>
    new ApiError({
      status: 504,
      type: 'upstream_error',
      code: 'upstream_timeout',
      message: `${provider} upstream timed out: ${what}`,
      retryable: true,
    });
  if (error instanceof Error && error.name === 'TimeoutError') return timedOut(error.message);
  if (error instanceof Error && error.name === 'AbortError') return timedOut('the request was aborted');
  // undici's `request` throws its error itself; `fetch` wraps it as the cause of a TypeError.
  const code = (value: unknown) => (value as { code?: unknown } | undefined)?.code;
  const cause = error instanceof Error ? error.cause : undefined;
  const is = (name: string) => code(error) === name || code(cause) === name;
  if (is('UND_ERR_CONNECT_TIMEOUT'))
    return timedOut(`no connection within ${connectMs === undefined ? 'its timeout' : `${connectMs} ms`}`);
  if (is('UND_ERR_RES_EXCEEDED_MAX_SIZE'))
    return new ApiError({
      status: 502,
      type: 'upstream_error',
      code: 'upstream_answer_too_large',
      message: `${provider} upstream's answer passed ${LIMITS.upstreamAnswerBytes / 1024 / 1024} MiB: Portico stopped reading it`,
      // The same request would run as long again.
      retryable: false,
    });
  return new ApiError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_unavailable',
    message: `${provider} upstream could not be reached or broke off`,
    retryable: true,
  });
}
