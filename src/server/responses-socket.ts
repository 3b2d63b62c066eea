import { ApiError, badRequest, toApiError } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import { LIMITS } from '../api/limits.ts';
import { parseJsonText } from '../api/parse-json-text.ts';
import { bodyBudget, type BodyBudget } from './body-budget.ts';
import { parseResponseRequest, type CreateResponseRequest } from '../api/request.ts';
import type { ResponseObject } from '../api/response.ts';
import type { ResponseStreamEvent } from '../api/stream-events.ts';
import { eventJson } from '../stream/response-sse.ts';
import type { SocketEnds } from './serve-socket.ts';
import { DEFAULT_SOCKET_LIFETIME_MS, SocketLifecycle } from './socket-lifecycle.ts';

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
 * Responses a connection may have at once, those running and those waiting behind them, on
 * every lane (OpenAI's limit of 16 active responses); more are refused.
 */
export const MAX_ACTIVE_RESPONSES = 16;

/** Lanes (`stream_id` values) one connection may name, OpenAI's limit; a further one is refused. */
export const MAX_LANES = 32;

/**
 * Characters of cached context a connection keeps for `previous_response_id` across its lanes;
 * past it, the lanes used least recently lose theirs (the client then sends the whole context
 * again, as after a reconnect). The latest response always stays.
 */
export const CACHED_CONTEXT_CHARS = LIMITS.bodyBytes;

/** A `stream_id`: 1-256 characters of letters, digits, `_`, `.` and `-` (OpenAI's rule). */
const LANE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;

/** The lane of messages that name no `stream_id`. */
const DEFAULT_LANE = '';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** What a turn reports on the socket when it fails before its first event; on a lane, it says which. */
function errorMessage(error: ApiError, lane = DEFAULT_LANE): string {
  return onLane(JSON.stringify({ type: 'error', status: error.status, error: error.toJSON().error }), lane);
}

/** A message's JSON with the `stream_id` of its lane as its last field; none on the default lane. */
function onLane(json: string, lane: string): string {
  return lane === DEFAULT_LANE ? json : `${json.slice(0, -1)},"stream_id":${JSON.stringify(lane)}}`;
}

/** A message as received: its lane, and the create message it carries or why it carries none. */
interface Received {
  lane: string;
  message: Record<string, unknown> | ApiError;
}

/** The latest response of a lane, for `previous_response_id`: its id, and the context a turn continues. */
interface CachedContext {
  id: string;
  items: Item[];
  /** Characters of `items` as JSON; 0 until counted, which happens only once a second lane caches. */
  chars: number;
}

/**
 * One WebSocket connection to `/v1/responses`, as OpenAI's WebSocket mode defines it: each
 * `response.create` message runs one response through `run` (the HTTP route's own path) and
 * its events go back as JSON messages. Responses on one lane run one after another; a message
 * may name its lane (`stream_id`, echoed on its events), and lanes run side by side. Each lane's
 * most recent response's context stays in a connection-local cache, so `store: false` chains
 * continue with only new input, on their lane or, forked, on another; a failed turn evicts the
 * response it continued from.
 */
export class ResponsesSocketSession extends SocketLifecycle {
  /** Each lane's last queued task: the next one on the lane runs after it. */
  private readonly lanes = new Map<string, Promise<void>>();
  /** Each lane's latest response, least recently used first. */
  private readonly cached = new Map<string, CachedContext>();
  /** Messages received and not yet answered, those running included. */
  private pending = 0;
  /** Characters of the messages waiting behind the ones running: they sit in memory until their turn. */
  private waitingChars = 0;

  constructor(
    private readonly run: RunTurn,
    socket: SocketEnds,
    lifetimeMs: number = DEFAULT_SOCKET_LIFETIME_MS,
    budget: BodyBudget = bodyBudget(),
  ) {
    super(
      socket,
      { name: 'Responses WebSocket', unit: 'responses', concurrency: MAX_ACTIVE_RESPONSES },
      lifetimeMs,
      budget,
    );
  }

  /** A message from the client; the messages of one lane are served in order, one response at a time. */
  receive(data: string): void {
    if (this.closing) {
      this.socket.send(errorMessage(this.closing));
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
    const received = readMessage(data);
    const newLane = received.lane !== DEFAULT_LANE && !this.lanes.has(received.lane);
    if (!refusal && newLane && this.lanes.size - (this.lanes.has(DEFAULT_LANE) ? 1 : 0) >= MAX_LANES) {
      const message = `${MAX_LANES} streams (stream_id) are open on this connection: use one of them, or open a new connection.`;
      const error = badRequest('stream_id', message, 'websocket_stream_limit_reached');
      this.socket.send(errorMessage(error, received.lane));
      return;
    }
    if (refusal) {
      const message = `${refusal[0]}: wait for a response to end before sending more.`;
      this.socket.send(errorMessage(badRequest(null, message, refusal[1]), received.lane));
      return;
    }
    this.pending++;
    this.waitingChars += data.length;
    this.enqueue(received.lane, async () => {
      this.waitingChars -= data.length;
      try {
        await this.turn(received, data.length);
      } finally {
        this.pending--;
      }
    });
  }

  /** Resolves once every lane has answered what it was given (or the connection ended). */
  protected async whenIdle(): Promise<void> {
    await Promise.all(this.lanes.values());
  }

  protected tell(error: ApiError): void {
    this.socket.send(errorMessage(error));
  }

  /** Runs `task` after the lane's earlier ones; none runs once the connection has ended. */
  private enqueue(lane: string, task: () => Promise<void>): void {
    const tail = this.lanes.get(lane) ?? Promise.resolve();
    this.lanes.set(
      lane,
      tail.then(() => (this.ended ? undefined : task())),
    );
  }

  private async turn({ lane, message }: Received, size: number): Promise<void> {
    let previous: string | null | undefined;
    let release = () => {};
    try {
      if (message instanceof ApiError) throw message;
      release = await this.holdBody(size);
      const { request, body } = readCreate(message);
      previous = request.previous_response_id;
      const answer = await this.run(request, body, async (id) => this.cachedItems(id), this.abort.signal);
      this.served++;
      let final: ResponseObject | undefined;
      for await (const event of answer.events) {
        this.socket.send(onLane(eventJson(event), lane));
        if (TERMINAL.has(event.type)) final = (event as { response: ResponseObject }).response;
        // A client that does not read holds its response here, not its events in memory.
        const backlog = this.socket.drained();
        if (backlog) await backlog;
      }
      if (final && final.status !== 'failed' && answer.context)
        this.cache(lane, { id: final.id, items: [...answer.context, ...(final.output as Item[])], chars: 0 });
      else this.evict(previous);
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.evict(previous);
      this.socket.send(errorMessage(toApiError(error), lane));
    } finally {
      release();
    }
  }

  /** The context of a cached response (any lane's: a new lane may fork from another's). */
  private cachedItems(id: string): Item[] | undefined {
    for (const [lane, entry] of this.cached)
      if (entry.id === id) {
        // Used: the lane is now the most recent.
        this.cached.delete(lane);
        this.cached.set(lane, entry);
        return entry.items;
      }
    return undefined;
  }

  /** Keeps `entry` as `lane`'s latest; past CACHED_CONTEXT_CHARS, the least recently used lanes lose theirs. */
  private cache(lane: string, entry: CachedContext): void {
    this.cached.delete(lane);
    this.cached.set(lane, entry);
    // One lane keeps its one response, whatever its size, as a connection without lanes does.
    if (this.cached.size === 1) return;
    let total = 0;
    for (const kept of this.cached.values()) total += kept.chars ||= JSON.stringify(kept.items).length;
    for (const [other, kept] of this.cached) {
      if (total <= CACHED_CONTEXT_CHARS || other === lane) break;
      this.cached.delete(other);
      total -= kept.chars;
    }
  }

  private evict(id: string | null | undefined): void {
    if (!id) return;
    for (const [lane, entry] of this.cached) if (entry.id === id) this.cached.delete(lane);
  }
}

/**
 * A message's JSON and lane. One that is not JSON, or names a lane wrongly, runs on the default
 * lane, where its error comes back in order with the messages that name none.
 */
function readMessage(data: string): Received {
  try {
    const message = parseJsonText(data);
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      throw badRequest(null, 'A WebSocket message must be a JSON object.', 'invalid_json');
    const { stream_id: lane } = message as { stream_id?: unknown };
    if (lane === undefined || lane === null)
      return { lane: DEFAULT_LANE, message: message as Record<string, unknown> };
    if (typeof lane !== 'string' || !LANE_NAME.test(lane))
      throw badRequest(
        'stream_id',
        "Invalid 'stream_id': 1 to 256 characters of letters, digits, '_', '.' and '-'.",
        'invalid_stream_id',
      );
    return { lane, message: message as Record<string, unknown> };
  } catch (error) {
    return { lane: DEFAULT_LANE, message: toApiError(error) };
  }
}

/**
 * A `response.create` message as the request it carries: the Responses create body with
 * `type`, `generate: false` for a warm-up and `stream_id` for its lane. `stream` is implicit
 * (and ignored); `background` has no meaning on a socket.
 */
function readCreate(message: Record<string, unknown>): {
  request: CreateResponseRequest;
  body: Record<string, unknown>;
} {
  const { type, generate, stream: _stream, stream_id: _lane, ...body } = message;
  if (type !== 'response.create')
    throw badRequest('type', `Unknown message type ${JSON.stringify(type)}: send 'response.create'.`);
  if (generate !== undefined && generate !== null && typeof generate !== 'boolean')
    throw badRequest('generate', "Invalid 'generate': must be a boolean.", 'invalid_value');
  const request = parseResponseRequest(body);
  if (request.background)
    throw badRequest('background', 'background is not supported over WebSocket.', 'unsupported_parameter');
  return {
    request: { ...request, stream: true, ...(generate === false ? { generate: false } : {}) },
    body: message,
  };
}
