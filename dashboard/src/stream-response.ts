import { failure, headers } from './api.ts';
// The one SSE reader Portico has, shared with its upstream providers.
import { readSse } from '../../src/providers/http/read-sse.ts';

/** A Responses stream event, as far as the playground reads it. */
export interface StreamEvent {
  type: string;
  sequence_number?: number;
  delta?: string;
  response?: {
    id: string;
    status: string;
    error?: { message: string } | null;
    usage?: { input_tokens: number; output_tokens: number } | null;
    output?: { type: string; name?: string; arguments?: string }[];
  };
  message?: string;
}

/** `POST /v1/responses` with `stream: true`: each event as it arrives. */
export async function* streamResponse(
  request: Record<string, unknown>,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const response = await fetch('/v1/responses', {
    method: 'POST',
    headers: headers(true),
    body: JSON.stringify({ ...request, stream: true }),
    signal,
  });
  if (!response.ok || !response.body) throw await failure(response);
  for await (const message of readSse(chunks(response.body))) {
    if (message.data === '[DONE]') return;
    yield JSON.parse(message.data) as StreamEvent;
  }
}

/** A body's chunks as an async iterable (not every browser iterates a ReadableStream itself). */
async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}
