import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach } from 'node:test';

/**
 * A recorded upstream exchange, stored as JSON under test/fixtures/<protocol>/ with a
 * `provenance` line saying where the transcript's format comes from.
 */
export interface Fixture {
  provenance: string;
  status: number;
  headers?: Record<string, string>;
  /** The response body, sent byte for byte: one string, or chunks written one after another. */
  body?: string;
  chunks?: string[];
  /** Milliseconds to wait between chunks (default 0). */
  chunkDelayMs?: number;
  /** Milliseconds to wait after the headers, before the first chunk (default 0). */
  firstChunkDelayMs?: number;
  /** Destroy the socket after sending this many chunks (a connection reset mid-stream). */
  resetAfterChunks?: number;
  /** Never answer (for timeout tests). */
  hang?: boolean;
  /** Send this many chunks, then keep the connection open without another byte (a stalled stream). */
  hangAfterChunks?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export interface ReplayServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export function loadFixture(path: string | URL): Fixture {
  return JSON.parse(readFileSync(path, 'utf8')) as Fixture;
}

/** Serves fixtures on a loopback port; `route` picks the fixture for each request. */
export async function startReplayServer(route: (request: RecordedRequest) => Fixture): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const recorded = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, json };
      requests.push(recorded);
      void answer(route(recorded));
    });

    async function answer(fixture: Fixture): Promise<void> {
      if (fixture.hang) return;
      res.writeHead(fixture.status, fixture.headers ?? {});
      if (fixture.firstChunkDelayMs) {
        res.flushHeaders();
        await new Promise((resolve) => setTimeout(resolve, fixture.firstChunkDelayMs));
      }
      const chunks = fixture.chunks ?? [fixture.body ?? ''];
      for (const [index, chunk] of chunks.entries()) {
        if (fixture.resetAfterChunks === index) {
          res.socket?.destroy();
          return;
        }
        if (fixture.hangAfterChunks === index) return;
        res.write(chunk);
        if (fixture.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, fixture.chunkDelayMs));
      }
      if (fixture.resetAfterChunks !== undefined && fixture.resetAfterChunks >= chunks.length) {
        res.socket?.destroy();
        return;
      }
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a replay server answers: one fixture for every request, or a choice per request. */
export type ReplayAnswer = Fixture | ((request: RecordedRequest) => Fixture);

export interface FileReplay {
  /** What the server answers from now on. */
  answerWith(answer: ReplayAnswer): void;
  /** The requests it received, oldest first (since the test began, with `forgetEachTest`). */
  requests(): RecordedRequest[];
  url(): string;
}

/**
 * A replay server for the calling test file: started before its tests, closed after them,
 * answering `first` until told otherwise; with `forgetEachTest`, its requests are cleared
 * before each test. Node 20 starts a file's top-level `before` hooks without waiting for one
 * another, so a hook that needs the server (its URL in a config) must start it itself.
 */
export function replayForFile(first: ReplayAnswer, options: { forgetEachTest?: boolean } = {}): FileReplay {
  const routeOf = (answer: ReplayAnswer) => (typeof answer === 'function' ? answer : () => answer);
  let route = routeOf(first);
  let server: ReplayServer | undefined;
  before(async () => {
    server = await startReplayServer((request) => route(request));
  });
  after(() => server?.close());
  if (options.forgetEachTest)
    beforeEach(() => {
      server!.requests.length = 0;
    });
  return {
    answerWith(answer) {
      route = routeOf(answer);
    },
    requests: () => server!.requests,
    url: () => server!.url,
  };
}
