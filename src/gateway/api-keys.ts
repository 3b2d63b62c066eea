import { createHash, randomBytes } from 'node:crypto';

/** Every Portico key starts so: a token without it (an OpenAI key, `unused`) is not a Portico key. */
export const KEY_PREFIX = 'ptk_';

/** A new key: 32 random bytes, shown once; only its hash is stored. */
export function newApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Keys are 256-bit random, so one SHA-256 is enough to store them safely and find them fast. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
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
