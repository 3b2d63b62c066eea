import { connect } from 'node:net';

/** Writes `request` on a new connection and reads until the server closes it (or gives up after 5 s). */
export function rawExchange(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let text = '';
    const timer = setTimeout(() => (socket.destroy(), resolve(text)), 5_000);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => (clearTimeout(timer), resolve(text)));
    socket.on('error', reject);
  });
}

/** An HTTP/1.1 answer read off a socket: its status, headers (names in lower case) and body. */
export interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Reads the answer `rawExchange` returned. */
export function parseRawAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}
