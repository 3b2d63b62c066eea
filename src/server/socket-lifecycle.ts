import { once, setMaxListeners } from 'node:events';
import { shuttingDown, type ApiError } from '../api/errors.ts';
import { bodyBudget, FREE_BODY_BYTES, type BodyBudget } from './body-budget.ts';
import { lifetimeReached, type SocketEnds, type SocketSession } from './serve-socket.ts';

/** OpenAI closes a Responses WebSocket after 60 minutes; a client reconnects and continues. */
export const DEFAULT_SOCKET_LIFETIME_MS = 60 * 60 * 1000;

/** What a connection's protocol is called and serves, for what it tells its client. */
export interface SocketNames {
  /** `Responses WebSocket`, `WebSockets API`. */
  name: string;
  /** What one message asks for: `responses`, `requests`. */
  unit: string;
  /** The most requests running at once: each listens to the connection's signal. */
  concurrency: number;
}

/**
 * A WebSocket session's life, apart from its protocol: its lifetime (at the limit, what runs
 * is answered, the client told why, and the connection closed), a shutdown's drain (the same,
 * closing with 1001, going away), the client going away (what runs stops), and the body budget
 * a large message holds while it runs. A protocol says how to wait for what runs (`whenIdle`)
 * and how an error goes to its client (`tell`).
 */
export abstract class SocketLifecycle implements SocketSession {
  served = 0;
  /** Aborts when the client went away: every request running listens to it. */
  protected readonly abort = new AbortController();
  protected ended = false;
  /** Why no more messages are taken (the server shuts down, the lifetime is reached); what was received is answered. */
  protected closing: ApiError | undefined;
  /** Settles when the client went away; made at the first large message. */
  #gone: Promise<unknown> | undefined;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(
    protected readonly socket: SocketEnds,
    private readonly names: SocketNames,
    lifetimeMs: number,
    private readonly budget: BodyBudget = bodyBudget(),
  ) {
    setMaxListeners(4 * names.concurrency, this.abort.signal);
    this.#timer = setTimeout(() => void this.finish(lifetimeReached(lifetimeMs, names.name)), lifetimeMs);
    this.#timer.unref();
  }

  abstract receive(text: string): void;

  /** Resolves once everything received has been answered (or the connection ended). */
  protected abstract whenIdle(): Promise<void>;

  /** Sends `error` to the client, as the protocol's error message, not about any one request. */
  protected abstract tell(error: ApiError): void;

  /** The client went away: what runs stops (a response is recorded as cancelled). */
  closed(): void {
    this.ended = true;
    clearTimeout(this.#timer);
    this.abort.abort();
  }

  /**
   * The server is shutting down: what was received is answered, then the connection closes
   * (1001, going away); a message that arrives meanwhile is refused (`server_shutting_down`).
   * Resolves once the connection is closed, or the client went away.
   */
  drain(): Promise<void> {
    const message = `Portico is shutting down: this connection takes no more ${this.names.unit}; send it again on a new one.`;
    return this.finish(shuttingDown(message), 1001, 'server shutting down', false);
  }

  /** A large message holds room in the body budget while it runs, as a large HTTP body does; the release. */
  protected async holdBody(size: number): Promise<() => void> {
    if (size <= FREE_BODY_BYTES) return () => {};
    return this.budget.hold(size, (this.#gone ??= once(this.abort.signal, 'abort')));
  }

  /** Takes no more messages (each is answered with `why`), waits for what runs, then closes; at the lifetime the client is told why first. */
  private async finish(
    why: ApiError,
    code = 1000,
    reason = 'connection limit reached',
    tell = true,
  ): Promise<void> {
    if (this.closing) return this.whenIdle();
    this.closing = why;
    await this.whenIdle();
    if (this.ended) return;
    this.ended = true;
    if (tell) this.tell(why);
    this.socket.close(code, reason);
  }
}
