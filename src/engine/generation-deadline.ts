import { ApiError } from '../api/errors.ts';

/** The error a response gets when it runs past its generation time limit. */
export function generationTimeout(limitMs: number): ApiError {
  return new ApiError({
    status: 504,
    type: 'server_error',
    code: 'generation_timeout',
    message: `The response ran past its generation time limit of ${limitMs / 1000} s and was stopped.`,
    // The same request would run as long again.
    retryable: false,
  });
}

/**
 * A signal that aborts `limitMs` after it is made, with `generationTimeout` as its reason (an
 * ApiError reason tells the engine that Portico stopped the run, not the client); `clear`
 * disarms it once the run is over.
 */
export function generationDeadline(limitMs: number | undefined): { signal?: AbortSignal; clear(): void } {
  if (limitMs === undefined) return { clear: () => undefined };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(generationTimeout(limitMs)), limitMs);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
