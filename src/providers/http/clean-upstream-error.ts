import { ApiError } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';

/** Shorter values (`x`, `none`, for local servers that want any key) are no secret, and hiding them would garble messages. */
const MIN_SECRET_LENGTH = 8;
/** How much of an upstream's message a client sees. */
const MAX_UPSTREAM_MESSAGE = 300;
/** How much of an upstream's `code` or `param`, names both, a client sees. */
const MAX_UPSTREAM_NAME = 100;

/** Secret keys whole or masked as upstreams echo them in 401 answers (`sk-proj-abc***wxyz`, `sk-ant-…`). */
const KEY_LIKE = /\b(?:sk|rk)-[A-Za-z0-9_*-]{3,}/g;
/** Bearer tokens and long opaque strings (hex or base64 of 32 characters and more) that may be credentials. */
const TOKEN_LIKE = /\bBearer\s+\S+|\b[A-Za-z0-9+/_-]{32,}={0,2}/g;
/** File system paths of two or more parts (`/srv/app/models/x.gguf`, `C:\app\x.js`), as stack traces and servers leak them. */
const PATH_LIKE = /(?:\b[A-Za-z]:)?(?:[\\/][\w.@-]+){2,}[\\/]?(?::\d+(?::\d+)?)?/g;

/** An upstream's text as a client may read it: secrets and paths removed, whitespace folded, cut short. */
export function cleanUpstreamText(text: string, secret?: string): string {
  let clean = text;
  if (secret && secret.length >= MIN_SECRET_LENGTH) clean = clean.split(secret).join('[redacted]');
  clean = clean
    .replace(KEY_LIKE, '[redacted]')
    .replace(TOKEN_LIKE, '[redacted]')
    .replace(PATH_LIKE, '[path]')
    .replace(/\s+/g, ' ')
    .trim();
  return clip(clean, MAX_UPSTREAM_MESSAGE);
}

function cleanUpstreamName(name: string | null, secret: string | undefined): string | null {
  return name === null ? null : clip(cleanUpstreamText(name, secret), MAX_UPSTREAM_NAME);
}

/**
 * An upstream error whose message, code and param no longer hold a secret, a masked key or a
 * path the upstream sent (an upstream may echo anything in any of them).
 */
export function cleanUpstreamError(error: ApiError, secret: string | undefined): ApiError {
  const message = cleanUpstreamText(error.message, secret);
  const code = cleanUpstreamName(error.code, secret);
  const param = cleanUpstreamName(error.param, secret);
  if (message === error.message && code === error.code && param === error.param) return error;
  return new ApiError({
    status: error.status,
    type: error.type,
    message,
    code,
    param,
    retryable: error.retryable,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
  });
}
