import { once } from 'node:events';
import { Agent, request, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { DEFAULT_PROJECT } from '../src/store/owner.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { readEventStream } from './support/portico.ts';
import { openSocket } from './support/socket-client.ts';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';

// `portico serve` in a child process, stopped by SIGTERM while a response streams from an
// upstream that drips one event every 600 ms (long enough to see the refusal on a busy machine).
// `loop/quick` drips every 20 ms: a client sending one after another, as a load balancer does.
const text = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
const oneByOne = text.chunks!.join('').split(/(?<=\n\n)/);
const dripping = { ...text, chunks: oneByOne, chunkDelayMs: 600 };
const quick = { ...text, chunks: oneByOne, chunkDelayMs: 20 };
let upstream: ReplayServer;
let root: string;
/** Every server started, so that one a failed test left running is ended. */
const started: ServeProcess[] = [];

before(async () => {
  upstream = await startReplayServer((asked) =>
    (asked.json as { model?: string }).model === 'quick' ? quick : dripping,
  );
  root = mkdtempSync(join(tmpdir(), 'portico-shutdown-'));
  writeFileSync(
    join(root, 'portico.yaml'),
    `providers:\n  loop: { type: chat-completions, base_url: ${upstream.url}/v1 }\nmodels:\n` +
      '  - { id: loop/model, provider: loop, context_window: 8000 }\n' +
      '  - { id: loop/quick, provider: loop, context_window: 8000 }\n',
  );
});
after(async () => {
  for (const serve of started) if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
  await upstream.close();
  rmSync(root, { recursive: true, force: true });
});

/** `portico serve` with this grace, once every worker listens. */
async function serveWith(name: string, graceMs: number, workers = 1) {
  const dataDir = join(root, name);
  const serve = await spawnServe(
    ['--config', join(root, 'portico.yaml'), '--data-dir', dataDir, '--workers', String(workers)],
    { PATH: process.env.PATH, PORTICO_SHUTDOWN_GRACE_MS: String(graceMs) },
  );
  started.push(serve);
  while (workers > 1 && !serve.stderr().includes('"message":"every worker listening"'))
    await new Promise((resolve) => setTimeout(resolve, 10));
  return { serve, dataDir };
}

/** Resolves once every process serving HTTP has begun to drain (it logs so, after the drain began). */
async function draining(serve: ServeProcess, workers: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (serve.stderr().split('"message":"shutdown: draining"').length <= workers) {
    assert.ok(Date.now() < deadline, `the server never began to drain:\n${serve.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether the grace ran out (the shutdown then stops what still runs, and says so). */
const graceRanOut = (serve: ServeProcess) => /still running/.test(serve.stderr());

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  json: Record<string, unknown>;
}

/** A POST through `agent` (a kept-alive connection when it has one), or on `socket`; its body is sent by the caller. */
function openPost(
  url: string,
  options: { agent?: Agent; socket?: Socket; headers?: Record<string, string | number> },
): { req: ClientRequest; answer: Promise<Answer> } {
  let req!: ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.socket ? { createConnection: () => options.socket! } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
  });
  return { req, answer };
}

function post(url: string, body: unknown, options: { agent?: Agent; socket?: Socket } = {}): Promise<Answer> {
  const { req, answer } = openPost(url, options);
  req.end(JSON.stringify(body));
  return answer;
}

/**
 * A request still arriving: its headers leave now, on a kept-alive connection, and `read`
 * resolves once the server has read them (it answers `expect: 100-continue`); the body leaves on `send()`.
 */
function postInTwoParts(url: string, body: unknown) {
  const data = JSON.stringify(body);
  const { req, answer } = openPost(url, {
    agent: new Agent({ keepAlive: true }),
    headers: { 'content-length': Buffer.byteLength(data), expect: '100-continue' },
  });
  req.flushHeaders();
  const read = once(req, 'continue');
  return { read, answer, send: () => req.end(data) };
}

/** A TCP connection that sends nothing yet: open before the signal, its request comes after. */
function openConnection(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function serveAndStream(name: string, graceMs: number) {
  const { serve, dataDir } = await serveWith(name, graceMs);
  const response = await fetch(`${serve.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'loop/model', input: 'hi', stream: true }),
  });
  assert.equal(response.status, 200);
  const events = readEventStream(response.body!);
  const exited = serve.stop();
  return { serve, events, exited, dataDir };
}

/**
 * Whether a new TCP connection is refused. A raw socket, not fetch: fetch may reuse a keep-alive
 * connection opened before the signal, which says nothing about new ones.
 */
function newConnectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('SIGTERM stops accepting, lets the running response finish, then exits 0', async () => {
  const { serve, events, exited, dataDir } = await serveAndStream('finish', 30_000);
  // Once the signal is handled (a moment after it is sent), new connections are refused while the response still streams.
  let streaming = true;
  void events.finally(() => (streaming = false));
  let refused = false;
  while (streaming && !refused) {
    refused = await newConnectionRefused(serve.url);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(refused, 'a new connection after SIGTERM was refused before the response finished');
  const all = await events;
  const last = all.at(-1) as { type: string; response: { id: string; output_text?: string } };
  assert.equal(last.type, 'response.completed');
  assert.equal(await exited, 0);
  const stores = openSqliteStores({ dataDir });
  assert.equal((await stores.responses.get(last.response.id, DEFAULT_PROJECT))?.status, 'completed');
  await stores.close();
});

test('past the grace period a running response ends as failed, is stored so, and the process exits 0', async () => {
  const { events, exited, dataDir } = await serveAndStream('cut', 0);
  const all = await events;
  const last = all.at(-1) as { type: string; response: { id: string; error: { message: string } } };
  assert.equal(last.type, 'response.failed');
  assert.match(last.response.error.message, /shut down before the response finished/);
  assert.equal(await exited, 0);
  const stores = openSqliteStores({ dataDir });
  assert.equal((await stores.responses.get(last.response.id, DEFAULT_PROJECT))?.status, 'failed');
  await stores.close();
});

/** The status of the response a JSON answer carries. */
const statusOf = (answer: Answer) => (answer.json as { status?: string }).status;

for (const workers of [1, 2]) {
  test(`SIGTERM with kept-alive clients still sending: each connection closes after its answer, in-flight work finishes, and the process exits as soon as it has (--workers ${workers})`, async () => {
    // Grace 60 s: an exit within the test's timeout is one that did not wait for it.
    const { serve, dataDir } = await serveWith(`keep-alive-${workers}`, 60_000, workers);
    const url = `${serve.url}/v1/responses`;
    const streamed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'loop/model', input: 'hi', stream: true }),
    });
    const streamEvents = readEventStream(streamed.body!);
    // A JSON answer in the making (~5 s), and a request whose body is still arriving at the signal.
    const slow = post(url, { model: 'loop/model', input: 'hi' }, { agent: new Agent({ keepAlive: true }) });
    const arriving = postInTwoParts(url, { model: 'loop/quick', input: 'hi' });
    const early = await openConnection(serve.url);
    // Four clients sending one request after another on their kept-alive connections.
    const pool = new Agent({ keepAlive: true, maxSockets: 4 });
    let drained = false;
    const sentAfter: Answer[] = [];
    const client = async (): Promise<string> => {
      for (;;) {
        const afterDrain = drained;
        try {
          const answer = await post(url, { model: 'loop/quick', input: 'hi' }, { agent: pool });
          assert.equal(answer.status, 200);
          if (!afterDrain) continue;
          sentAfter.push(answer);
          // A keep-alive answer would have the client send again, for as long as the grace lasts.
          if (answer.headers.connection !== 'close') return 'kept alive';
        } catch (error) {
          return String((error as NodeJS.ErrnoException).code);
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    await arriving.read;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = serve.stop();
    await draining(serve, workers);
    drained = true;
    arriving.send();

    // Sent on a connection opened before the signal: served, and the connection closes after it.
    // (A node that closes connections which never sent a request at the drain would refuse it instead.)
    const late = await post(url, { model: 'loop/quick', input: 'hi' }, { socket: early }).catch(
      (error: NodeJS.ErrnoException) => String(error.code),
    );
    if (typeof late !== 'string') {
      assert.equal(late.status, 200);
      assert.equal(late.headers.connection, 'close');
      assert.equal(statusOf(late), 'completed');
    }
    for (const ended of await Promise.all(clients))
      assert.match(
        ended,
        /^(ECONNREFUSED|ECONNRESET)$/,
        'each client was turned away once its connection closed',
      );
    for (const answer of sentAfter) assert.equal(answer.headers.connection, 'close');
    for (const answer of [await slow, await arriving.answer]) {
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.connection, 'close');
      assert.equal(statusOf(answer), 'completed');
    }
    const last = (await streamEvents).at(-1) as { type: string };
    assert.equal(last.type, 'response.completed');
    assert.equal(await exited, 0);
    assert.ok(!graceRanOut(serve), serve.stderr());
    const stores = openSqliteStores({ dataDir });
    assert.equal(
      (await stores.responses.get(String((await slow).json.id), DEFAULT_PROJECT))?.status,
      'completed',
    );
    await stores.close();
  });
}

test('SIGTERM: a WebSocket answers the response it was running, refuses new ones, then closes with 1001', async () => {
  const { serve } = await serveWith('socket', 60_000);
  const socket = await openSocket(serve.url);
  socket.create({ model: 'loop/model', input: 'hi' });
  while (!socket.received.some((message) => message.type === 'response.output_text.delta'))
    await new Promise((resolve) => setTimeout(resolve, 10));
  const exited = serve.stop();
  await draining(serve, 1);
  socket.create({ model: 'loop/quick', input: 'hi' });
  assert.equal(await socket.closed, 1001);
  const types = socket.received.map((message) => message.type);
  assert.ok(types.includes('response.completed'), types.join(' '));
  const refusal = socket.received.find((message) => message.type === 'error');
  assert.equal((refusal?.error as { code?: string } | undefined)?.code, 'server_shutting_down');
  assert.equal(await exited, 0);
  assert.ok(!graceRanOut(serve), serve.stderr());
});

test('SIGTERM: a running background response finishes; one queued after the signal waits for the next start', async () => {
  const { serve, dataDir } = await serveWith('background', 60_000);
  const url = `${serve.url}/v1/responses`;
  const running = await post(url, { model: 'loop/model', input: 'hi', background: true });
  const id = String(running.json.id);
  const status = async () => ((await (await fetch(`${url}/${id}`)).json()) as { status: string }).status;
  while ((await status()) !== 'in_progress') await new Promise((resolve) => setTimeout(resolve, 20));
  const queued = postInTwoParts(url, { model: 'loop/quick', input: 'hi', background: true });
  await queued.read;
  const exited = serve.stop();
  await draining(serve, 1);
  queued.send();
  const late = await queued.answer;
  assert.equal(late.status, 200);
  assert.equal(await exited, 0);
  assert.ok(!graceRanOut(serve), serve.stderr());
  const stores = openSqliteStores({ dataDir });
  assert.equal((await stores.responses.get(id, DEFAULT_PROJECT))?.status, 'completed');
  assert.equal((await stores.responses.get(String(late.json.id), DEFAULT_PROJECT))?.status, 'queued');
  await stores.close();
  assert.equal(late.headers.connection, 'close');
});

test('SIGTERM: a client following a background response that waits in the queue does not hold the shutdown', async () => {
  const { serve } = await serveWith('follower', 15_000);
  const url = `${serve.url}/v1/responses`;
  // Two runs of one model at a time: the third waits in the queue, and is not claimed once the shutdown begins.
  const runs = [];
  for (let n = 0; n < 3; n++)
    runs.push(await post(url, { model: 'loop/model', input: 'hi', background: true }));
  const follower = await fetch(`${url}/${String(runs[2]!.json.id)}?stream=true`);
  const followed = new Response(follower.body).text().catch(() => 'cut');
  const exited = serve.stop();
  assert.equal(await exited, 0);
  // It waited for the two runs, not for the grace to run out on the follower.
  assert.ok(!graceRanOut(serve), serve.stderr());
  assert.equal(await followed, 'cut');
});
