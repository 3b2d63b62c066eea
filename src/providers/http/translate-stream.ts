import type { z } from 'zod';
import { ApiError } from '../../api/errors.ts';
import { readSse, type SseEvent } from './read-sse.ts';
import { upstreamTransportError } from './upstream-error.ts';
import type { UpstreamOptions } from './upstream-options.ts';
import type { ModelEvent } from '../provider.ts';
import { cleanUpstreamError } from './clean-upstream-error.ts';

/** Turns one upstream protocol's server-sent events into model events, one event at a time. */
export interface EventTranslator {
  /** The model events one SSE event yields; throws an ApiError for an event it cannot read. */
  push(event: SseEvent): ModelEvent[];
  /** True once the upstream said it is done (its last event was the finish): stop reading. */
  readonly done: boolean;
  /** The body ended without the upstream's end marker: the closing events, or an ApiError thrown. */
  end(): ModelEvent[];
}

/** A stream event that is not what the protocol promises: a retryable upstream failure. */
export function malformedEvent(provider: string, what = 'a malformed stream event'): ApiError {
  return new ApiError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_invalid_response',
    message: `${provider} upstream sent ${what}`,
    retryable: true,
  });
}

/** A stream that stopped before the upstream said it was finished. */
export function truncatedStream(provider: string): ApiError {
  return new ApiError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_incomplete_stream',
    message: `${provider} upstream ended the stream before finishing`,
    retryable: true,
  });
}

/** Parses an event's JSON and checks it against the wire schema, where it enters. */
export function parseEventJson<S extends z.ZodType>(provider: string, data: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw malformedEvent(provider, 'invalid JSON in a stream event');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw malformedEvent(provider);
  return parsed.data;
}

/**
 * Runs a translator over an SSE body with one fault policy for every upstream: a failure
 * before any model event is thrown (the engine answers with an HTTP error and may retry);
 * after one, the stream ends with a `finish` of reason `error` carrying a clean ApiError.
 * Aborts by the caller are rethrown untouched; a key the upstream echoed is hidden. Exactly
 * one `finish` ends a stream.
 */
export async function* translateStream(
  upstream: Pick<UpstreamOptions, 'id' | 'apiKey'>,
  body: AsyncIterable<Uint8Array>,
  translator: EventTranslator,
  signal: AbortSignal,
): AsyncGenerator<ModelEvent, void, undefined> {
  let yielded = false;
  try {
    for await (const event of readSse(body)) {
      signal.throwIfAborted();
      for (const modelEvent of translator.push(event)) {
        yielded = true;
        yield modelEvent;
      }
      if (translator.done) return;
    }
    for (const modelEvent of translator.end()) {
      yielded = true;
      yield modelEvent;
    }
  } catch (error) {
    if (signal.aborted) throw error;
    const apiError = cleanUpstreamError(
      error instanceof ApiError ? error : upstreamTransportError(upstream.id, error),
      upstream.apiKey,
    );
    if (!yielded) throw apiError;
    yield { type: 'finish', reason: 'error', error: apiError };
  }
}
