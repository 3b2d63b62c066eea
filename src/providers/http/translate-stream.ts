import { StringDecoder } from 'node:string_decoder';
import type { z } from 'zod';
import { ApiError } from '../../api/errors.ts';
import { readSseBatches, type SseEvent } from './read-sse.ts';
import type { UpstreamReply } from './stream-upstream.ts';
import { upstreamTransportError } from './upstream-error.ts';
import type { UpstreamOptions } from './upstream-options.ts';
import type { ModelEvent } from '../provider.ts';
import { cleanUpstreamError } from './clean-upstream-error.ts';

/** Turns one upstream protocol's server-sent events into model events, one event at a time. */
export interface EventTranslator {
  /** The model events one SSE event yields; throws an ApiError for an event it cannot read. */
  push(event: SseEvent): ModelEvent[];
  /**
   * A whole JSON answer (to a request made without `stream`) as the model events its stream
   * would have carried, through the same item, usage and error mapping; few and whole (one
   * delta per text). Protocols without it are always read as a stream.
   */
  whole?(answer: unknown): ModelEvent[];
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

/** Parses an upstream's JSON: text that is not JSON is a malformed upstream answer. */
export function parseJson(provider: string, data: string, what = 'a stream event'): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    throw malformedEvent(provider, `invalid JSON in ${what}`);
  }
}

/** Reads a value with a wire schema; a value that does not fit is a malformed upstream event. */
export function readWire<S extends z.ZodType>(
  provider: string,
  schema: S,
  value: unknown,
  what = 'stream event',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw malformedEvent(provider, `a malformed ${what}`);
  return parsed.data;
}

/** Parses an event's JSON and checks it against the wire schema, where it enters. */
export function parseEventJson<S extends z.ZodType>(provider: string, data: string, schema: S): z.output<S> {
  return readWire(provider, schema, parseJson(provider, data));
}

/**
 * Runs a translator over an upstream's answer (its server-sent events, or its whole JSON
 * answer where the translator reads one) with one fault policy for every upstream: a failure
 * before any model event is thrown (the engine answers with an HTTP error and may retry);
 * after one, the stream ends with a `finish` of reason `error` carrying a clean ApiError.
 * Aborts by the caller are rethrown untouched; a key the upstream echoed is hidden, thrown or
 * in a `finish`. Exactly one `finish` ends a stream.
 */
export async function* translateStream(
  upstream: Pick<UpstreamOptions, 'id' | 'apiKey' | 'headers'>,
  reply: UpstreamReply,
  translator: EventTranslator,
  signal: AbortSignal,
): AsyncGenerator<ModelEvent, void, undefined> {
  let yielded = false;
  // A failure the upstream reported may quote the key it was sent.
  const clean = (event: ModelEvent): ModelEvent =>
    event.type === 'finish' && event.error
      ? { ...event, error: cleanUpstreamError(event.error, upstream) }
      : event;
  try {
    if (reply.json && translator.whole) {
      const answer = parseJson(upstream.id, await reply.text(), 'an answer');
      signal.throwIfAborted();
      for (const modelEvent of translator.whole(answer)) {
        yielded = true;
        yield clean(modelEvent);
      }
      return;
    }
    for await (const events of readSseBatches(reply.chunks(), new StringDecoder('utf8'))) {
      for (const event of events) {
        signal.throwIfAborted();
        for (const modelEvent of translator.push(event)) {
          yielded = true;
          yield clean(modelEvent);
        }
        if (translator.done) return;
      }
    }
    for (const modelEvent of translator.end()) {
      yielded = true;
      yield clean(modelEvent);
    }
  } catch (error) {
    if (signal.aborted) throw error;
    const apiError = cleanUpstreamError(
      error instanceof ApiError ? error : upstreamTransportError(upstream.id, error),
      upstream,
    );
    if (!yielded) throw apiError;
    yield { type: 'finish', reason: 'error', error: apiError };
  }
}
