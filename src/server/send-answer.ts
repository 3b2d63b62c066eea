import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import type { EventText } from '../stream/event-stream.ts';
import type { AppEnv } from './app-env.ts';
import { jsonText } from '../api/response-json.ts';
import { nextTurn } from '../next-turn.ts';

/**
 * The hot answers are written straight to node's response: a WHATWG Response, its Headers and
 * (for a stream) a ReadableStream of encoded bytes cost more than the JSON or the events
 * themselves. The headers the middleware set are already on node's response (`setAnswerHeader`);
 * writeHead merges them. The handler returns this marker, on which @hono/node-server writes
 * nothing. It is made when its module loads, before `serve` swaps in @hono/node-server's own
 * Response class (a marker of that class would be written again): this module is imported
 * with the app, before the server starts.
 */
export const ANSWER_SENT: Response = RESPONSE_ALREADY_SENT;

/**
 * Sets a header of this request's answer, whatever writes it: on node's response, where the
 * direct writers and @hono/node-server's writeHead both find it. A WebSocket upgrade has no
 * node response; its headers go on hono's.
 */
export function setAnswerHeader(c: Context<AppEnv>, name: string, value: string, append = false): void {
  const outgoing = c.env.outgoing as ServerResponse | undefined;
  if (!outgoing) return c.header(name, value, { append });
  const existing = append ? outgoing.getHeader(name) : undefined;
  // One line, as a client joining repeated headers would read them.
  outgoing.setHeader(name, existing === undefined ? value : `${String(existing)}, ${value}`);
}

/** A JSON answer, in one write. */
export function sendJson(
  c: Context<AppEnv>,
  value: unknown,
  status: number,
  headers: Record<string, string>,
): Response {
  const body = jsonText(value);
  // Its own keys first: a literal that begins with a spread gets a map of its own (with-fields.ts).
  c.env.outgoing.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  c.env.outgoing.end(body);
  return ANSWER_SENT;
}

/**
 * A long JSON answer made a piece at a time (`pieces` joined are the JSON text), written a
 * piece per turn of the event loop: joining and encoding tens of megabytes at once would hold
 * it. The length is known before the first write, so the answer is not chunked.
 */
export async function sendJsonPieces(
  c: Context<AppEnv>,
  pieces: readonly string[],
  status: number,
): Promise<Response> {
  let length = 0;
  for (const piece of pieces) length += Buffer.byteLength(piece);
  const outgoing = c.env.outgoing;
  outgoing.writeHead(status, { 'content-type': 'application/json', 'content-length': length });
  for (const piece of pieces) {
    if (outgoing.destroyed) break;
    outgoing.write(piece);
    await nextTurn();
  }
  outgoing.end();
  return ANSWER_SENT;
}

/**
 * A server-sent events answer. The headers leave with the first batch and the chunked end
 * with the last, so a short stream is one or two writes. A client that goes away cancels the
 * events (which stops generation); a stream that fails closes the connection mid-answer.
 */
export async function sendEventStream(
  c: Context<AppEnv>,
  text: EventText,
  headers: Record<string, string>,
): Promise<Response> {
  const out = c.env.outgoing;
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  out.once('close', () => {
    if (!out.writableFinished) void text.cancel();
  });
  try {
    for (;;) {
      const batch = await text.next();
      if (out.destroyed) break;
      if (!batch || batch.last) {
        out.end(batch?.text);
        break;
      }
      if (!out.write(batch.text)) await drainedOrClosed(out);
    }
  } catch (error) {
    out.destroy(error as Error);
  }
  return ANSWER_SENT;
}

function drainedOrClosed(out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
