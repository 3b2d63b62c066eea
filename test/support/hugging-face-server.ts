import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server that answers like Hugging Face's file URLs: `/{owner}/{repo}/resolve/{branch}/{path}`
 * redirects (302) to a content URL, as the Hub does for LFS files, with `x-repo-commit`,
 * `x-linked-size` and `x-linked-etag`; the content URL serves the bytes with `accept-ranges`,
 * an `etag`, and `206 Partial Content` for `Range: bytes=a-b`. Headers as documented by the Hub
 * (huggingface_hub's file_download.py reads the same ones).
 */
export interface HuggingFaceServer {
  url: string;
  /** Every request, with its `range` header. */
  requests: Array<{ method: string; url: string; range: string | undefined }>;
  /** Stop every ranged answer that reaches this byte of the file there, leaving the connection hanging (a broken download). */
  stallAfter: number | undefined;
  /** Resolves once a stalled answer has sent its bytes. */
  stalled: Promise<void>;
  close(): Promise<void>;
}

/** `files`: repository path (`owner/repo/file.gguf`) to a local file, or to the bytes themselves. */
export async function startHuggingFaceServer(
  files: Record<string, string | Buffer>,
): Promise<HuggingFaceServer> {
  const bodies = new Map(
    Object.entries(files).map(([path, file]) => [path, typeof file === 'string' ? readFileSync(file) : file]),
  );
  let markStalled: () => void = () => {};
  const state: HuggingFaceServer = {
    url: '',
    requests: [],
    stallAfter: undefined,
    stalled: new Promise((resolve) => (markStalled = resolve)),
    close: async () => {},
  };
  const etag = (body: Buffer) => `"${createHash('sha256').update(body).digest('hex')}"`;

  const serveBytes = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    const headers = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: etag(body),
      'content-length': String(end - start + 1),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${body.length}` } : {}),
    };
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return res.end();
    const chunk = body.subarray(start, end + 1);
    // Only a ranged read is the download itself (a plain GET is the downloader's probe).
    if (range && state.stallAfter !== undefined && start < state.stallAfter && end >= state.stallAfter) {
      res.write(chunk.subarray(0, state.stallAfter - start));
      markStalled();
      return; // never ends: the client sees a download that stopped
    }
    res.end(chunk);
  };

  const server = createServer((req, res) => {
    state.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', range: req.headers.range });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const content = /^\/cdn\/[0-9a-f]+\/(.+)$/.exec(url.pathname);
    const body = content ? bodies.get(decodeURIComponent(content[1]!)) : undefined;
    if (content && body) return serveBytes(req, res, body);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const key = resolve ? `${resolve[1]}/${decodeURIComponent(resolve[3]!)}` : undefined;
    const file = key ? bodies.get(key) : undefined;
    if (!resolve || !file) {
      res.writeHead(404, { 'content-type': 'application/json', 'x-error-code': 'EntryNotFound' });
      return res.end('{"error":"Entry not found"}');
    }
    res.writeHead(302, {
      location: `/cdn/${createHash('sha256').update(file).digest('hex')}/${encodeURIComponent(key!)}`,
      'x-repo-commit': '94a3646452f843bbc223bd4b14cfc144655be631',
      'x-linked-size': String(file.length),
      'x-linked-etag': etag(file),
      'content-length': '0',
    });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
