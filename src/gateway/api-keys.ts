import { createHash, randomBytes } from 'node:crypto';

/** Every Portico key starts so: a token without it (an OpenAI key, `unused`) is not a Portico key. */
export const KEY_PREFIX = 'ptk_';

/** A new key: 32 random bytes, shown once; only its hash is stored. */
export function newApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Hashes of the keys presented lately: a client sends the same key on every request. */
const recentHashes = new Map<string, string>();
/** Tokens remembered at most: a client trying random keys cannot grow the map without bound. */
const MAX_RECENT = 1_000;

/**
 * Keys are 256-bit random, so one SHA-256 is enough to store them safely and find them fast.
 * Remembered per token: a hash object costs a request ~2 µs more than a map lookup.
 */
export function hashApiKey(key: string): string {
  let hash = recentHashes.get(key);
  if (hash === undefined) {
    hash = createHash('sha256').update(key).digest('hex');
    if (recentHashes.size >= MAX_RECENT) recentHashes.clear();
    recentHashes.set(key, hash);
  }
  return hash;
}

/** Enough of a key to recognise it in a list. */
export function keyHint(key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 4)}…${key.slice(-4)}`;
}

/** The bearer token of an `Authorization`-style header value, or undefined. */
export function bearerToken(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1] : value.trim() || undefined;
}
