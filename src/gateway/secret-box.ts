import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ApiError } from '../api/errors.ts';

export const SECRETS_KEY_ENV = 'PORTICO_SECRETS_KEY';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1.';

/** A key given as base64 of 32 bytes, or a refusal that says what to set. */
function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    throw new Error(
      `${where} must be base64 of ${KEY_BYTES} random bytes (make one with: openssl rand -base64 32).`,
    );
  return key;
}

/** The embedded backend's key: read from its file, or made once (mode 0600) when there is none yet. */
function keyFromFile(path: string): Buffer {
  // Written whole under another name, then linked into place: a worker that finds the file
  // never reads it half-written, and of two making it at once, one link wins.
  const made = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(made, randomBytes(KEY_BYTES).toString('base64'), { mode: 0o600 });
    linkSync(made, path);
  } catch (error) {
    // Another process (or an earlier run) made it first: everyone reads the one file.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(made, { force: true });
  }
  return decodeKey(readFileSync(path, 'utf8'), `The secrets key file ${path}`);
}

/**
 * Seals provider keys with AES-256-GCM under the secrets key: `PORTICO_SECRETS_KEY`, else (on
 * the embedded backend) a key file made once in the data folder. A backend shared by replicas
 * has no file: storing a key there without `PORTICO_SECRETS_KEY` is refused with what to set.
 * Each sealed secret is bound to its config's id, so a sealed value moved to another row does
 * not open.
 */
export class SecretBox {
  #key: Buffer | undefined;

  /** Throws at once when `PORTICO_SECRETS_KEY` is set but is no key: a server must not start with it. */
  constructor(
    env: NodeJS.ProcessEnv,
    private readonly keyFile: string | undefined,
  ) {
    const given = env[SECRETS_KEY_ENV]?.trim();
    if (given) this.#key = decodeKey(given, SECRETS_KEY_ENV);
  }

  seal(secret: string, id: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(), iv).setAAD(Buffer.from(id));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return VERSION + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  /** The secret, or undefined when this key did not seal it (another key, another row). */
  open(sealed: string, id: string): string | undefined {
    // A replica without the key cannot open what another sealed: the caller names the config.
    if (!sealed.startsWith(VERSION) || (!this.#key && !this.keyFile)) return undefined;
    const bytes = Buffer.from(sealed.slice(VERSION.length), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key(), bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id)).setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private key(): Buffer {
    if (this.#key) return this.#key;
    if (!this.keyFile)
      throw new ApiError({
        status: 400,
        type: 'invalid_request_error',
        code: 'secrets_key_not_set',
        param: 'secret',
        retryable: false,
        message:
          `Provider keys are stored encrypted, and with PostgreSQL every replica needs the same key: ` +
          `set ${SECRETS_KEY_ENV} to base64 of 32 random bytes (openssl rand -base64 32) on every replica and restart.`,
      });
    this.#key = keyFromFile(this.keyFile);
    return this.#key;
  }
}

/** The first 3 and last 4 characters of a secret, for people to tell keys apart (short ones show less). */
export function secretPreview(secret: string): string {
  if (secret.length < 16) return `${secret.slice(0, 1)}…`;
  return `${secret.slice(0, 3)}…${secret.slice(-4)}`;
}
