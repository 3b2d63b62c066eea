import WebSocket from 'ws';

export type Message = Record<string, unknown> & { type: string };

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

/** A Responses WebSocket client for tests: sends `response.create` messages, reads what comes back. */
export interface SocketClient {
  socket: WebSocket;
  /** Every message received so far. */
  received: Message[];
  create(body: Record<string, unknown>): void;
  /**
   * The messages of the next response: up to its terminal event, or an `error` message. With
   * `lane`, of the next response on that lane (messages whose `stream_id` is `lane`); without,
   * of the next one on no lane.
   */
  turn(lane?: string): Promise<Message[]>;
  /** Resolves with the close code once the server closes the connection. */
  closed: Promise<number>;
  close(): void;
}

/** A WebSocket of JSON messages: each parsed into `received` as it arrives. */
export interface JsonSocket {
  socket: WebSocket;
  received: Message[];
  /** Resolves when the next message arrives. */
  arrival(): Promise<void>;
  /** Resolves with the close code once the server closes the connection. */
  closed: Promise<number>;
}

/** Opens a WebSocket at `url` (`ws://...`); rejects with the HTTP status when the upgrade is refused. */
export async function connectJson(url: string, headers: Record<string, string> = {}): Promise<JsonSocket> {
  const socket = new WebSocket(url, { headers });
  const received: Message[] = [];
  const waiting: Array<() => void> = [];
  socket.on('message', (data) => {
    received.push(JSON.parse(data.toString()) as Message);
    waiting.splice(0).forEach((wake) => wake());
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
  return { socket, received, closed, arrival: () => new Promise<void>((wake) => waiting.push(wake)) };
}

/** Opens `ws://.../v1/responses`; rejects with the HTTP status when the upgrade is refused. */
export async function openSocket(
  httpUrl: string,
  headers: Record<string, string> = {},
): Promise<SocketClient> {
  const { socket, received, closed, arrival } = await connectJson(
    `${httpUrl.replace(/^http/, 'ws')}/v1/responses`,
    headers,
  );
  /** Per lane (undefined: no lane), how far its messages have been read. */
  const read = new Map<string | undefined, number>();
  const nextMessage = async (lane: string | undefined): Promise<Message> => {
    for (let at = read.get(lane) ?? 0; ; at++) {
      while (at >= received.length) await arrival();
      if (received[at]!.stream_id !== lane) continue;
      read.set(lane, at + 1);
      return received[at]!;
    }
  };
  return {
    socket,
    received,
    create: (body) => socket.send(JSON.stringify({ type: 'response.create', ...body })),
    async turn(lane) {
      const messages: Message[] = [];
      for (;;) {
        const message = await nextMessage(lane);
        messages.push(message);
        if (TERMINAL.has(message.type)) return messages;
      }
    },
    closed,
    close: () => socket.close(),
  };
}
