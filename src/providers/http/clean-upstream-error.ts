import { ApiError } from '../../api/errors.ts';
import { clip } from '../../api/limits.ts';

/**
 * Shorter values (`x`, `none`, for local servers that want any key) are no secret, and hiding
 * them would garble messages; a longer secret's every stretch of this length is hidden.
 */
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

/** How much of an upstream's text is read: what a client sees is far shorter. */
const MAX_SCANNED = 4096;

/** The secrets an upstream is sent: its key and the values of its configured headers. */
export type UpstreamSecrets = { apiKey: string | undefined; headers: Record<string, string> };

/**
 * `text` with every stretch of MIN_SECRET_LENGTH characters or more that a secret holds hidden:
 * an upstream may echo a key whole, or in part (its first half, the part after `sk-`).
 */
function hideSecrets(text: string, upstream: UpstreamSecrets | undefined): string {
  const grams = new Set<string>();
  for (const secret of [upstream?.apiKey ?? '', ...Object.values(upstream?.headers ?? {})])
    for (let at = 0; at + MIN_SECRET_LENGTH <= secret.length; at++)
      grams.add(secret.slice(at, at + MIN_SECRET_LENGTH));
  if (grams.size === 0) return text;
  const hidden = new Uint8Array(text.length);
  let found = false;
  for (let at = 0; at + MIN_SECRET_LENGTH <= text.length; at++)
    if (grams.has(text.slice(at, at + MIN_SECRET_LENGTH))) {
      hidden.fill(1, at, at + MIN_SECRET_LENGTH);
      found = true;
    }
  if (!found) return text;
  let clean = '';
  for (let at = 0; at < text.length; at++) {
    if (!hidden[at]) clean += text[at];
    else if (!hidden[at - 1]) clean += '[redacted]';
  }
  return clean;
}

/** An upstream's text as a client may read it: secrets and paths removed, whitespace folded, cut short. */
export function cleanUpstreamText(text: string, upstream?: UpstreamSecrets): string {
  // Key-like strings first: a masked key (`sk-test-****cret`) is whole only before its parts go.
  const keysHidden = text
    .slice(0, MAX_SCANNED)
    .replace(KEY_LIKE, '[redacted]')
    .replace(TOKEN_LIKE, '[redacted]');
  const clean = hideSecrets(keysHidden, upstream).replace(PATH_LIKE, '[path]').replace(/\s+/g, ' ').trim();
  return clip(clean, MAX_UPSTREAM_MESSAGE);
}

function cleanUpstreamName(name: string | null, upstream: UpstreamSecrets | undefined): string | null {
  return name === null ? null : clip(cleanUpstreamText(name, upstream), MAX_UPSTREAM_NAME);
}

/**
 * An upstream error whose message, code and param no longer hold a secret, a masked key or a
 * path the upstream sent (an upstream may echo anything in any of them).
 */
export function cleanUpstreamError(error: ApiError, upstream: UpstreamSecrets | undefined): ApiError {
  const message = cleanUpstreamText(error.message, upstream);
  const code = cleanUpstreamName(error.code, upstream);
  const param = cleanUpstreamName(error.param, upstream);
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
