import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Ends HTTP keep-alive when a shutdown begins, so that every connection closes after the answer
 * it is serving: from `drain()` on, an answer whose headers are not sent yet says
 * `connection: close` (node then closes its connection once it is sent), a kept-alive
 * connection between requests is closed at once, and one whose answer had already begun (a
 * stream) is closed as soon as that answer is sent. A request that still arrives on a
 * connection opened before is answered, with `connection: close`.
 */
export class ConnectionDrain {
  #draining = false;
  /** The answers in progress, which may yet say keep-alive. */
  readonly #answering = new Set<ServerResponse>();

  constructor(private readonly server: Server) {
    // First, so that no other listener writes the answer's headers before this one is heard.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (this.#draining) return void (response.shouldKeepAlive = false);
      this.#answering.add(response);
      response.once('close', () => this.#answering.delete(response));
    });
  }

  drain(): void {
    this.#draining = true;
    // Node's idle connections: between requests, with no answer being written (a stream is spared).
    const closeIdle = () => this.server.closeIdleConnections();
    for (const response of this.#answering)
      if (!response.headersSent) response.shouldKeepAlive = false;
      else response.once('close', closeIdle);
    this.#answering.clear();
    closeIdle();
  }
}
