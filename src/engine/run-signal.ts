import { ApiError } from '../api/errors.ts';

/**
 * The reason a run is stopped with when its owner cancelled it (`POST /responses/{id}/cancel`,
 * a background run): unlike a client that went away, someone reads on, so the run ends its
 * stream, as `cancelled`.
 */
export const CANCEL_REASON = 'cancel';

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
 * The signal a run stops on: the first of `stops` to abort (the client, a shutdown), with its
 * reason, or the generation time limit `limitMs`, with `generationTimeout` as its reason (an
 * ApiError reason tells the engine that Portico stopped the run, not the client); `clear`
 * disarms it once the run is over. One controller that the stops forward to: per request, it
 * costs a fraction of `AbortSignal.any` over a second controller for the limit.
 */
export function runSignal(
  stops: ReadonlyArray<AbortSignal | undefined>,
  limitMs: number | undefined,
): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const forward = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  const sources = stops.filter((stop) => stop !== undefined);
  for (const source of sources) {
    if (source.aborted) controller.abort(source.reason);
    else source.addEventListener('abort', forward, { once: true });
  }
  const timer =
    limitMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(generationTimeout(limitMs)), limitMs);
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      for (const source of sources) source.removeEventListener('abort', forward);
    },
  };
}
