import { readSse } from '../providers/http/read-sse.ts';

/** Where a running Portico is and the key to present: `--url` / `--key`, or PORTICO_URL / PORTICO_API_KEY. */
export interface Connection {
  url: string;
  key: string | undefined;
}

/** An answer or a failure, said so that the reader knows what to do next. */
export class CliError extends Error {}

/**
 * The HTTP API of a running Portico, as the CLI calls it: JSON in and out, streams as their
 * events, and every failure turned into a sentence with the fix (start the server, pass a key).
 */
export class ApiClient {
  constructor(private readonly connection: Connection) {}

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return (await response.json()) as T;
  }

  /** The events of a streamed answer, parsed, in order. */
  async *events(path: string, body: unknown, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    const response = await this.send('POST', path, body, signal);
    if (!response.body) return;
    // Node's web streams are async iterable (the DOM typings do not say so).
    for await (const message of readSse(response.body as unknown as AsyncIterable<Uint8Array>)) {
      if (message.data === '[DONE]') return;
      yield JSON.parse(message.data) as Record<string, unknown>;
    }
  }

  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const { url, key } = this.connection;
    let response: Response;
    try {
      response = await fetch(new URL(path, url.endsWith('/') ? url : `${url}/`), {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new CliError(
        `cannot reach Portico at ${url} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}). ` +
          'Start it with `portico serve`, or point --url (PORTICO_URL) at a running one.',
      );
    }
    if (response.ok) return response;
    const answer = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    const message = answer?.error?.message ?? `${response.status} ${response.statusText}`;
    // A 403 says itself what it needs (an admin key, a key that may use the model).
    const advice =
      response.status === 401
        ? ' Pass a key with --key or PORTICO_API_KEY (create one with `portico keys create`).'
        : '';
    throw new CliError(`${message}${advice}`);
  }
}
