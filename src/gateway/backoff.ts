import type { Backoff } from '../api/gateway-settings.ts';

/** The longest `retry-after` the gateway waits out itself; a longer one goes back to the client. */
export const MAX_HONORED_RETRY_AFTER_S = 30;

/**
 * Milliseconds before attempt `attempt + 1`: the base delay grown by the backoff, with ±20%
 * jitter so that clients retrying together spread out, and never less than the upstream's
 * `retry-after`.
 */
export function retryDelayMs(
  delayMs: number,
  backoff: Backoff,
  attempt: number,
  retryAfterS: number | undefined,
  random: () => number = Math.random,
): number {
  const grown =
    backoff === 'constant'
      ? delayMs
      : backoff === 'linear'
        ? delayMs * attempt
        : delayMs * 2 ** (attempt - 1);
  const jittered = grown * (0.8 + 0.4 * random());
  return Math.round(Math.max(jittered, (retryAfterS ?? 0) * 1000));
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
