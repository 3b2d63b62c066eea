import { badRequest, toApiError, type ApiError } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { AnswerBody } from '../formats/answer-body.ts';
import { readUniversalMessage } from '../formats/universal-message.ts';
import { readSse } from '../providers/http/read-sse.ts';
import { readableEventStream, type EventText } from '../stream/event-stream.ts';
import { bodyBudget, type BodyBudget } from './body-budget.ts';
import type { SocketEnds } from './serve-socket.ts';
import { DEFAULT_SOCKET_LIFETIME_MS, SocketLifecycle } from './socket-lifecycle.ts';

/** Requests one connection may have in flight; one more is refused until one ends. */
export const MAX_IN_FLIGHT = 16;

/** Cloudflare's metadata of an answer, less the event id the session adds. */
export interface UniversalMetadata {
  cacheStatus: string;
  logId?: string;
  step: string;
  contentType: 'application/json' | 'text/event-stream';
  /** What of the request was dropped or ignored, as the HTTP endpoint's warning header says. */
  warnings?: string[];
}

/** A request's answer: its metadata, and its body in the answering step's format. */
export interface UniversalAnswer {
  metadata: UniversalMetadata;
  body: AnswerBody;
}

/**
 * Runs one request's steps: the HTTP universal endpoint's own path (run-universal.ts). An
 * error names its parameter as the message spells it.
 */
export type RunUniversalRequest = (
  steps: unknown,
  listed: boolean,
  signal: AbortSignal,
) => Promise<UniversalAnswer>;

/** A chunk's data as JSON where it is (every format's chunks are), else as the text it is. */
function chunkValue(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/**
 * One connection to AI Gateway's WebSockets API, non-realtime: each `universal.create` message
 * runs its request and is answered `universal.created` (with the response, or, for a stream,
 * then `universal.stream` per chunk and `universal.done`), every message carrying its eventId;
 * up to MAX_IN_FLIGHT requests run side by side. A failure, a bad message included, is a
 * `universal.error` message; the connection stays open.
 */
export class UniversalSocketSession extends SocketLifecycle {
  /** The event ids of the requests running. */
  private readonly inFlight = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly run: RunUniversalRequest,
    socket: SocketEnds,
    lifetimeMs: number = DEFAULT_SOCKET_LIFETIME_MS,
    budget: BodyBudget = bodyBudget(),
  ) {
    super(
      socket,
      { name: 'WebSockets API', unit: 'requests', concurrency: MAX_IN_FLIGHT },
      lifetimeMs,
      budget,
    );
  }

  receive(text: string): void {
    const message = readUniversalMessage(text);
    if (this.closing) return this.fail(message.eventId, this.closing);
    if (message.error) return this.fail(message.eventId, message.error);
    const { eventId, steps } = message;
    if (this.inFlight.size >= MAX_IN_FLIGHT)
      return this.fail(
        eventId,
        badRequest(
          null,
          `${MAX_IN_FLIGHT} requests are in flight on this connection: wait for one to end before sending more.`,
          'websocket_request_limit_reached',
        ),
      );
    if (this.inFlight.has(eventId))
      return this.fail(
        eventId,
        badRequest(
          'request.eventId',
          `A request with eventId '${clip(eventId)}' is in flight on this connection: give each its own.`,
          'duplicate_event_id',
        ),
      );
    this.inFlight.add(eventId);
    const task = this.serve(eventId, steps, text.length).finally(() => {
      this.inFlight.delete(eventId);
      this.running.delete(task);
    });
    this.running.add(task);
  }

  protected async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  protected tell(error: ApiError): void {
    this.fail(undefined, error);
  }

  private async serve(eventId: string, steps: unknown, size: number): Promise<void> {
    let release = () => {};
    try {
      release = await this.holdBody(size);
      const { metadata, body } = await this.run(steps, Array.isArray(steps), this.abort.signal);
      this.served++;
      const full = { ...metadata, eventId };
      if ('json' in body)
        return this.send({ type: 'universal.created', metadata: full, response: body.json });
      this.send({ type: 'universal.created', metadata: full });
      await this.relay(eventId, body.stream);
      if (!this.ended) this.send({ type: 'universal.done', metadata: full });
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.fail(eventId, toApiError(error));
    } finally {
      release();
    }
  }

  /** A stream's chunks as `universal.stream` messages, each as soon as it comes; a client that does not read holds it. */
  private async relay(eventId: string, stream: EventText): Promise<void> {
    const bytes = readableEventStream(stream) as unknown as AsyncIterable<Uint8Array>;
    // Leaving the loop early (the client went away) cancels the stream, which stops generation.
    for await (const event of readSse(bytes)) {
      if (this.ended) break;
      if (event.data === '[DONE]') continue;
      this.send({ type: 'universal.stream', metadata: { eventId }, response: chunkValue(event.data) });
      const backlog = this.socket.drained();
      if (backlog) await backlog;
    }
  }

  private fail(eventId: string | undefined, error: ApiError): void {
    const metadata = eventId === undefined ? {} : { eventId };
    this.send({ type: 'universal.error', metadata, status: error.status, error: error.toJSON().error });
  }

  private send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }
}
