import { ApiError, badRequest, shuttingDown, toApiError } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import { once } from 'node:events';
import { LIMITS } from '../api/limits.ts';
import { parseJsonText } from '../api/parse-json-text.ts';
import { bodyBudget, FREE_BODY_BYTES, type BodyBudget } from './body-budget.ts';
import { CreateResponseRequest, parseBody } from '../api/request.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';

/** OpenAI closes a Responses WebSocket after 60 minutes; a client reconnects and continues by id. */
export const DEFAULT_SOCKET_LIFETIME_MS = 60 * 60 * 1000;

/** What the session needs of one connection: sending a JSON message, waiting for the client to read, closing. */
export interface SocketEnds {
  send(message: object): void;
  /** Resolves once the client has read enough of what was sent; undefined when it has. */
  drained(): Promise<void> | undefined;
  close(code: number, reason: string): void;
}

/** One turn's answer: its events, and the context the model was given (for the cache). */
export interface TurnAnswer {
  events: AsyncIterable<ResponseStreamEvent>;
  context?: Item[] | undefined;
}

/**
 * Runs one turn's request: the same path as `POST /v1/responses` (the gateway, then the
 * engine), with the connection's cache consulted for `previous_response_id`.
 */
export type RunTurn = (
  request: CreateResponseRequest,
  body: unknown,
  previousItems: (id: string) => Promise<Item[] | undefined>,
  signal: AbortSignal,
) => Promise<TurnAnswer>;

/**
 * Responses a connection may have at once, the one in flight and those waiting behind it
 * (OpenAI's limit of 16 active responses); more are refused.
 */
export const MAX_ACTIVE_RESPONSES = 16;

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** What a turn reports on the socket when it fails before its first event. */
function errorMessage(error: ApiError): object {
  return { type: 'error', status: error.status, error: error.toJSON().error };
}

function lifetimeReached(ms: number): ApiError {
  const limit = ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} seconds`;
  return badRequest(
    null,
    `The Responses WebSocket connection limit (${limit}) was reached: open a new connection to continue.`,
    'websocket_connection_limit_reached',
  );
}

/**
 * One WebSocket connection to `/v1/responses`, as OpenAI's WebSocket mode defines it: each
 * `response.create` message runs one response through `run` (the HTTP route's own path) and
 * its events go back as JSON messages, one response after another. The most recent
 * response's context stays in a connection-local cache, so `store: false` chains continue with
 * only new input; a failed turn evicts the response it continued from.
 */
export class ResponsesSocketSession {
  /** Responses this connection has run (warm-ups included). */
  served = 0;
  private queue: Promise<void> = Promise.resolve();
  /** The most recent response of this connection: its id and the context the next turn continues. */
  private cached: { id: string; items: Item[] } | undefined;
  private readonly abort = new AbortController();
  /** Settles when the client went away; made at the first large message. */
  private gone: Promise<unknown> | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;
  private ended = false;
  /** The server is shutting down: what was received is answered, nothing more is taken. */
  private draining = false;
  /** Messages received and not yet answered, the one in flight included. */
  private pending = 0;
  /** Characters of the messages waiting behind the one in flight: they sit in memory until their turn. */
  private waitingChars = 0;

  constructor(
    private readonly run: RunTurn,
    private readonly socket: SocketEnds,
    lifetimeMs: number = DEFAULT_SOCKET_LIFETIME_MS,
    private readonly budget: BodyBudget = bodyBudget(),
  ) {
    // At the limit the response in flight finishes first; then the connection closes.
    this.timer = setTimeout(() => this.enqueue(() => this.expire(lifetimeMs)), lifetimeMs);
    this.timer.unref();
  }

  /** A message from the client; messages are served in order, one response at a time. */
  receive(data: string): void {
    if (this.draining) {
      const message =
        'Portico is shutting down: this connection takes no more responses; send it again on a new one.';
      this.socket.send(errorMessage(shuttingDown(message)));
      return;
    }
    const refusal: [string, string] | undefined =
      this.pending >= MAX_ACTIVE_RESPONSES
        ? [
            `${MAX_ACTIVE_RESPONSES} responses are active on this connection`,
            'websocket_stream_limit_reached',
          ]
        : this.pending > 0 && this.waitingChars + data.length > LIMITS.bodyBytes
          ? [
              `Messages of more than ${LIMITS.bodyBytes / 1024 / 1024} MiB in all would be waiting on this connection`,
              'too_many_queued_messages',
            ]
          : undefined;
    if (refusal) {
      const message = `${refusal[0]}: wait for a response to end before sending more.`;
      this.socket.send(errorMessage(badRequest(null, message, refusal[1])));
      return;
    }
    this.pending++;
    this.waitingChars += data.length;
    this.enqueue(() => {
      this.waitingChars -= data.length;
      return this.turn(data).finally(() => this.pending--);
    });
  }

  /** The client went away: the response in flight stops and is recorded as cancelled. */
  closed(): void {
    this.ended = true;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  /**
   * The server is shutting down: the messages received so far are answered, in order, then the
   * connection closes (1001, going away); a message that arrives meanwhile is refused
   * (`server_shutting_down`). Resolves once the connection is closed, or the client went away.
   */
  drain(): Promise<void> {
    this.draining = true;
    this.enqueue(async () => {
      this.ended = true;
      this.socket.close(1001, 'server shutting down');
    });
    return this.queue;
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(() => (this.ended ? undefined : task()));
  }

  private async expire(lifetimeMs: number): Promise<void> {
    this.socket.send(errorMessage(lifetimeReached(lifetimeMs)));
    this.ended = true;
    this.socket.close(1000, 'connection limit reached');
  }

  private async turn(data: string): Promise<void> {
    let previous: string | null | undefined;
    let release = () => {};
    try {
      // A large message holds room in the body budget while its response runs, as a large HTTP body does.
      if (data.length > FREE_BODY_BYTES)
        release = await this.budget.hold(data.length, (this.gone ??= once(this.abort.signal, 'abort')));
      const { request, body } = readCreate(data);
      previous = request.previous_response_id;
      const cached = async (id: string) => (this.cached?.id === id ? this.cached.items : undefined);
      const answer = await this.run(request, body, cached, this.abort.signal);
      this.served++;
      let final: ResponseObject | undefined;
      for await (const event of answer.events) {
        this.socket.send(event);
        if (TERMINAL.has(event.type)) final = (event as { response: ResponseObject }).response;
        // A client that does not read holds its response here, not its events in memory.
        const backlog = this.socket.drained();
        if (backlog) await backlog;
      }
      if (final && final.status !== 'failed' && answer.context)
        this.cached = { id: final.id, items: [...answer.context, ...(final.output as Item[])] };
      else this.evict(previous);
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.evict(previous);
      this.socket.send(errorMessage(toApiError(error)));
    } finally {
      release();
    }
  }

  private evict(id: string | null | undefined): void {
    if (id && this.cached?.id === id) this.cached = undefined;
  }
}

/**
 * A `response.create` message as the request it carries: the Responses create body with
 * `type`, and `generate: false` for a warm-up. `stream` is implicit (and ignored); `background`
 * has no meaning on a socket.
 */
function readCreate(data: string): { request: CreateResponseRequest; body: Record<string, unknown> } {
  const message = parseJsonText(data);
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw badRequest(null, 'A WebSocket message must be a JSON object.', 'invalid_json');
  const { type, generate, stream: _stream, ...body } = message as Record<string, unknown>;
  if (type !== 'response.create')
    throw badRequest('type', `Unknown message type ${JSON.stringify(type)}: send 'response.create'.`);
  if (generate !== undefined && generate !== null && typeof generate !== 'boolean')
    throw badRequest('generate', "Invalid 'generate': must be a boolean.", 'invalid_value');
  const request = parseBody(CreateResponseRequest, body);
  if (request.background)
    throw badRequest('background', 'background is not supported over WebSocket.', 'unsupported_parameter');
  return {
    request: { ...request, stream: true, ...(generate === false ? { generate: false } : {}) },
    body: message as Record<string, unknown>,
  };
}
