import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ApiError } from '../src/api/errors.ts';
import { LIMITS } from '../src/api/limits.ts';
import {
  BodyBudget,
  bodyBudget,
  FREE_BODY_BYTES,
  processBudgetBytes,
  WORKER_COUNT_ENV,
} from '../src/server/body-budget.ts';
import { readBytes } from '../src/server/read-json.ts';
import { ResponsesSocketSession, type RunTurn } from '../src/server/responses-socket.ts';
import { startPortico, type TestPortico } from './support/portico.ts';

// The body budget: large request bodies wait for room, in order, and hold it until their answer ends.

const MIB = 1024 * 1024;
const never = new Promise<never>(() => {});

/** Whether `promise` has settled after the event loop ran what was pending. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
}

describe('BodyBudget', () => {
  test('holds what fits at once, gives it back once, whoever calls the release twice', async () => {
    const budget = new BodyBudget(10);
    const release = await budget.hold(4, never);
    assert.equal(budget.used, 4);
    release();
    release();
    assert.equal(budget.used, 0);
  });

  test('waiters go in arrival order: a small one that would fit waits behind a large one', async () => {
    const budget = new BodyBudget(10);
    const first = await budget.hold(6, never);
    const large = budget.hold(6, never);
    const small = budget.hold(3, never);
    assert.equal(await settled(large), false);
    assert.equal(await settled(small), false, 'a small body must not pass the large one for ever');
    first();
    const [releaseLarge, releaseSmall] = await Promise.all([large, small]);
    assert.equal(budget.used, 9);
    releaseLarge();
    releaseSmall();
    assert.equal(budget.used, 0);
  });

  test('a body larger than the whole budget takes all of it, alone', async () => {
    const budget = new BodyBudget(10);
    const release = await budget.hold(25, never);
    assert.equal(budget.used, 10);
    const next = budget.hold(1, never);
    assert.equal(await settled(next), false);
    release();
    (await next)();
    assert.equal(budget.used, 0);
  });

  test('a body that waits past its time is a 503 server_busy with retry-after; those behind it move up', async () => {
    const budget = new BodyBudget(10, 50);
    const held = await budget.hold(8, never);
    const late = budget.hold(5, never);
    const error = (await late.catch((caught: unknown) => caught)) as ApiError;
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 503);
    assert.equal(error.code, 'server_busy');
    assert.equal(error.retryAfter, 5);
    assert.match(error.message, /busy with other large requests/);
    held();
    assert.equal(budget.used, 0);
  });

  test('a waiter whose client went away leaves the line, and the next one gets its room', async () => {
    const budget = new BodyBudget(10);
    const held = await budget.hold(8, never);
    let leave!: () => void;
    const gone = new Promise<void>((resolve) => (leave = resolve));
    const abandoned = budget.hold(9, gone);
    const next = budget.hold(2, never);
    leave();
    await assert.rejects(abandoned, (error: ApiError) => error.code === 'client_closed_request');
    (await next)();
    held();
    assert.equal(budget.used, 0);
  });

  test("each worker of `--workers N` gets its share of PORTICO_BODY_BUDGET_MB, never less than a free body's", () => {
    assert.equal(processBudgetBytes({}), 256 * MIB);
    assert.equal(processBudgetBytes({ PORTICO_BODY_BUDGET_MB: '64', [WORKER_COUNT_ENV]: '4' }), 16 * MIB);
    assert.equal(
      processBudgetBytes({ PORTICO_BODY_BUDGET_MB: '1', [WORKER_COUNT_ENV]: '8' }),
      FREE_BODY_BYTES,
    );
    assert.throws(() => processBudgetBytes({ PORTICO_BODY_BUDGET_MB: 'lots' }), /PORTICO_BODY_BUDGET_MB/);
  });
});

describe('reading bodies within the budget (node:http on loopback)', () => {
  const budget = new BodyBudget(3 * MIB, 2_000);
  /** Requests read so far, with the response to end when a test decides. */
  const read: Array<{ bytes: Buffer; answer: ServerResponse }> = [];
  let server: Server;
  let port: number;

  before(async () => {
    server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
      readBytes({ incoming, outgoing }, 8 * MIB, budget).then(
        (body) => read.push({ bytes: body.bytes, answer: outgoing }),
        (error: ApiError) => {
          outgoing.writeHead(
            error.status,
            error.retryAfter ? { 'retry-after': String(error.retryAfter) } : {},
          );
          outgoing.end(JSON.stringify(error.toJSON()));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends `body` (chunked when `chunked`, gzip-compressed when `gzip`); resolves with the answer. */
  function send(body: Buffer, options: { chunked?: boolean; gzip?: boolean } = {}) {
    const payload = options.gzip ? gzipSync(body) : body;
    const headers: Record<string, string> = {};
    if (!options.chunked) headers['content-length'] = String(payload.length);
    if (options.gzip) headers['content-encoding'] = 'gzip';
    const sent = request({ port, method: 'POST', headers });
    const answer = new Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>(
      (resolve, reject) => {
        sent.on('response', (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode!, headers: response.headers, text }),
          );
        });
        sent.on('error', reject);
      },
    );
    // Written in pieces, as a large upload arrives.
    for (let at = 0; at < payload.length; at += 256 * 1024) sent.write(payload.subarray(at, at + 256 * 1024));
    sent.end();
    return { answer };
  }

  const body = (bytes: number, fill: string) => Buffer.alloc(bytes, fill);

  test('a large body waits unread until room frees, holds it until its answer ends, and arrives whole', async () => {
    const first = send(body(2 * MIB, 'a'));
    await until(() => read.length === 1);
    assert.equal(budget.used, 2 * MIB);
    const second = send(body(2 * MIB, 'b'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(read.length, 1, 'the second large body must wait while the first holds the room');
    // Small bodies never wait.
    const small = send(body(FREE_BODY_BYTES, 'c'));
    await until(() => read.length === 2);
    assert.equal(read[1]!.bytes.length, FREE_BODY_BYTES);
    read[1]!.answer.end('ok');
    assert.equal((await small.answer).status, 200);

    read[0]!.answer.end('ok');
    assert.equal((await first.answer).status, 200);
    await until(() => read.length === 3);
    assert.deepEqual(read[2]!.bytes, body(2 * MIB, 'b'));
    read[2]!.answer.end('ok');
    await second.answer;
    await until(() => budget.used === 0);
    read.length = 0;
  });

  test('a chunked or gzip body of unknown size pauses past the free size until room for the limit frees', async () => {
    const holder = send(body(2 * MIB, 'a'));
    await until(() => read.length === 1);
    const chunked = send(body(3 * MIB, 'x'), { chunked: true });
    const gzip = send(body(2 * MIB, 'z'), { gzip: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(read.length, 1, 'the bodies of unknown size must wait past the free size');
    read[0]!.answer.end('ok');
    await holder.answer;
    // Each holds the whole budget (the limit, 8 MiB, is more): one after the other.
    await until(() => read.length === 2);
    read[1]!.answer.end('ok');
    await until(() => read.length === 3);
    read[2]!.answer.end('ok');
    await Promise.all([chunked.answer, gzip.answer]);
    const lengths = read.slice(1).map((entry) => entry.bytes.length);
    assert.deepEqual(lengths.sort(), [2 * MIB, 3 * MIB].sort());
    await until(() => budget.used === 0);
    read.length = 0;
  });

  test('a body with no room within the wait is a 503 with retry-after, never read', async () => {
    const holder = send(body(3 * MIB, 'a'));
    await until(() => read.length === 1);
    const refused = await send(body(2 * MIB, 'b')).answer;
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '5');
    assert.equal((JSON.parse(refused.text) as { error: { code: string } }).error.code, 'server_busy');
    assert.equal(read.length, 1, 'the refused body was never read');
    read[0]!.answer.end('ok');
    await holder.answer;
    await until(() => budget.used === 0);
    read.length = 0;
  });
});

describe('WebSocket messages', () => {
  test('a large message holds room while its response runs; the next large one waits for it', async () => {
    const budget = new BodyBudget(2 * MIB, 2_000);
    const finishers: Array<() => void> = [];
    const run: RunTurn = async () => {
      await new Promise<void>((resolve) => finishers.push(resolve));
      return { events: (async function* () {})() };
    };
    const sent: object[] = [];
    const ends = {
      send: (text: string) => sent.push(JSON.parse(text)),
      drained: () => undefined,
      close: () => {},
    };
    const message = JSON.stringify({ type: 'response.create', model: 'm', input: 'a'.repeat(1.5 * MIB) });
    const first = new ResponsesSocketSession(run, ends, 60_000, budget);
    const second = new ResponsesSocketSession(run, ends, 60_000, budget);
    first.receive(message);
    await until(() => finishers.length === 1);
    assert.ok(budget.used > 1.5 * MIB);
    second.receive(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(finishers.length, 1, "the second message's response must wait for room");
    finishers[0]!();
    await until(() => finishers.length === 2);
    finishers[1]!();
    await until(() => budget.used === 0);
    first.closed();
    second.closed();
  });
});

describe('WebSocket messages waiting on one connection', () => {
  test('are bounded in size as well as in number: what would pass 64 MiB in all is refused', async () => {
    const finishers: Array<() => void> = [];
    const run: RunTurn = async () => {
      await new Promise<void>((resolve) => finishers.push(resolve));
      return { events: (async function* () {})() };
    };
    const sent: Array<{ type?: string; error?: { code: string; message: string } }> = [];
    const session = new ResponsesSocketSession(run, {
      send: (text) => sent.push(JSON.parse(text)),
      drained: () => undefined,
      close: () => {},
    });
    const create = (input: string) => JSON.stringify({ type: 'response.create', model: 'm', input });
    session.receive(create('first'));
    await until(() => finishers.length === 1);
    const large = create('a'.repeat(40 * MIB));
    session.receive(large);
    session.receive(large);
    assert.equal(sent.length, 1, 'the second large message, not the first, is refused');
    assert.equal(sent[0]!.error!.code, 'too_many_queued_messages');
    assert.match(sent[0]!.error!.message, /more than 64 MiB in all would be waiting/);
    finishers[0]!();
    await until(() => finishers.length === 2);
    // Its turn began: it no longer waits, so another may.
    session.receive(large);
    assert.equal(sent.length, 1);
    finishers[1]!();
    await until(() => finishers.length === 3);
    finishers[2]!();
    session.closed();
  });
});

describe('the server', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startPortico();
  });
  after(() => portico.stop());

  test('a large request holds room in the budget while it is read and served, and gives it back when answered', async () => {
    const sent = request(`${portico.server.url}/v1/responses/input_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    const answered = new Promise<number>((resolve, reject) => {
      sent.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      });
      sent.on('error', reject);
    });
    // Chunked, so of unknown size: past the free size it holds room for the largest body.
    sent.write(`{"model": "no-such-model", "input": "${'a'.repeat(2 * MIB)}`);
    await until(() => bodyBudget().used === LIMITS.bodyBytes);
    sent.end('"}');
    assert.equal(await answered, 404);
    await until(() => bodyBudget().used === 0);
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check(); tries++) {
    if (tries > 500) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a WebSocket client that does not read', () => {
  test("holds its response until it reads: the session sends nothing more while the socket's backlog drains", async () => {
    const events = Array.from({ length: 5 }, (_, n) => ({
      type: 'response.output_text.delta',
      delta: `${n}`,
    }));
    const run: RunTurn = async () => ({
      events: (async function* () {
        yield* events as never[];
      })(),
    });
    const sent: object[] = [];
    let read: (() => void) | undefined;
    const session = new ResponsesSocketSession(run, {
      send: (text) => sent.push(JSON.parse(text)),
      // Backlogged after every message, until the client reads.
      drained: () => new Promise<void>((resolve) => (read = resolve)),
      close: () => {},
    });
    session.receive(JSON.stringify({ type: 'response.create', model: 'm', input: 'x' }));
    await until(() => sent.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(sent.length, 1, 'nothing more is sent while the client has not read');
    for (let n = 2; n <= 5; n++) {
      read!();
      await until(() => sent.length === n);
    }
    read!();
    session.closed();
  });
});
