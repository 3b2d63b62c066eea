import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { MAX_IN_FLIGHT } from '../src/server/universal-socket.ts';
import type { ScriptedPortico } from './support/scripted-portico.ts';
import { connectJson } from './support/socket-client.ts';
import { ECHO_MODEL, startEchoPortico } from './support/echo-upstream.ts';

type Message = Record<string, unknown> & { type: string; metadata: Record<string, unknown> };

interface UniversalClient {
  socket: WebSocket;
  send(message: unknown): void;
  /**
   * The messages of `eventId` up to its last (`universal.created` with a response,
   * `universal.done` or `universal.error`), among those received from the `from`th on.
   */
  answer(eventId: string | undefined, from?: number): Promise<Message[]>;
  /** Every message received, in order. */
  received: Message[];
  closed: Promise<number>;
}

const isLast = (message: Message) =>
  message.type === 'universal.done' ||
  message.type === 'universal.error' ||
  (message.type === 'universal.created' && 'response' in message);

/** Opens the WebSockets API of gateway `default`; rejects with the status of a refused upgrade. */
async function openUniversal(
  httpUrl: string,
  headers: Record<string, string> = {},
): Promise<UniversalClient> {
  const { socket, received, closed, arrival } = await connectJson(
    `${httpUrl.replace(/^http/, 'ws')}/v1/acc/default`,
    headers,
  );
  return {
    socket,
    received: received as Message[],
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    async answer(eventId, from = 0) {
      const mine: Message[] = [];
      for (let at = from; ; at++) {
        while (at >= received.length) await arrival();
        const message = received[at]! as Message;
        if (message.metadata.eventId !== eventId) continue;
        mine.push(message);
        if (isLast(message)) return mine;
      }
    },
  };
}

/** A `universal.create` of one step: Cloudflare's form, the event id inside the request. */
const create = (eventId: string, provider: string, endpoint: string, query: unknown) => ({
  type: 'universal.create',
  request: { eventId, provider, endpoint, headers: { 'Content-Type': 'application/json' }, query },
});

describe('the WebSockets API (non-realtime): ws://.../v1/{account}/{gateway}', () => {
  let echo: ScriptedPortico;
  let url: string;
  let client: UniversalClient;
  before(async () => {
    echo = await startEchoPortico();
    url = echo.portico.server.url;
    client = await openUniversal(url);
  });
  after(async () => {
    client.socket.close();
    await echo.stop();
  });

  test('a request is answered universal.created with the response and its metadata, logged', async () => {
    client.send(create('one', 'echo', 'responses', { model: 'parrot', input: 'hi' }));
    const [created, ...rest] = await client.answer('one');
    assert.equal(rest.length, 0);
    assert.equal(created!.type, 'universal.created');
    const { metadata } = created!;
    assert.deepEqual(
      [metadata.eventId, metadata.step, metadata.contentType, metadata.cacheStatus],
      ['one', '0', 'application/json', 'MISS'],
    );
    const response = created!.response as Record<string, unknown>;
    assert.equal(response.output_text, 'echo: hi');
    const log = await fetch(`${url}/v1/logs/${String(metadata.logId)}`);
    assert.equal(log.status, 200);
    const entry = (await log.json()) as Record<string, unknown>;
    assert.equal(entry.model, ECHO_MODEL);
    assert.match(String(entry.path), /^WS /);
  });

  test('a streamed request: universal.created, each chunk as universal.stream, then universal.done', async () => {
    client.send(
      create('streamed', 'compat', 'chat/completions', {
        model: ECHO_MODEL,
        stream: true,
        messages: [{ role: 'user', content: 'a stream' }],
      }),
    );
    const messages = await client.answer('streamed');
    assert.equal(messages[0]!.type, 'universal.created');
    assert.equal(messages[0]!.metadata.contentType, 'text/event-stream');
    assert.ok(!('response' in messages[0]!));
    const last = messages.at(-1)!;
    assert.equal(last.type, 'universal.done');
    assert.deepEqual(last.metadata, messages[0]!.metadata);
    const chunks = messages.slice(1, -1);
    assert.ok(chunks.length >= 2);
    for (const chunk of chunks) {
      assert.equal(chunk.type, 'universal.stream');
      assert.deepEqual(chunk.metadata, { eventId: 'streamed' });
    }
    const text = chunks
      .map(
        (chunk) =>
          (chunk.response as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ??
          '',
      )
      .join('');
    assert.equal(text, 'echo: a stream');
  });

  test('requests run side by side, each answer correlated by its eventId; a list of steps falls back', async () => {
    client.send(create('slow', 'echo', 'responses', { model: 'parrot', input: 'slow one' }));
    client.send({
      type: 'universal.create',
      event_id: 'chain',
      request: [
        { provider: 'echo', endpoint: 'responses', query: { model: 'parrot', input: 'fail' } },
        { provider: 'echo', endpoint: 'responses', query: { model: 'parrot', input: 'fast one' } },
      ],
    });
    const chain = await client.answer('chain');
    const slowDone = client.received.some(
      (m) => m.metadata.eventId === 'slow' && m.type === 'universal.created',
    );
    assert.equal(slowDone, false, 'the fast request was answered while the slow one ran');
    assert.equal(chain[0]!.metadata.step, '1');
    assert.equal((chain[0]!.response as { output_text: string }).output_text, 'echo: fast one');
    const [slow] = await client.answer('slow');
    assert.equal((slow!.response as { output_text: string }).output_text, 'echo: slow one');
  });

  test(`at most ${MAX_IN_FLIGHT} requests in flight: one more is refused, the others answered`, async () => {
    const ids = Array.from({ length: MAX_IN_FLIGHT + 1 }, (_, n) => `many-${n}`);
    for (const id of ids)
      client.send(create(id, 'echo', 'responses', { model: 'parrot', input: `slow ${id}` }));
    const [refused] = await client.answer(ids.at(-1)!);
    assert.equal(refused!.type, 'universal.error');
    assert.equal((refused!.error as { code: string }).code, 'websocket_request_limit_reached');
    for (const id of ids.slice(0, -1)) assert.equal((await client.answer(id))[0]!.type, 'universal.created');
  });

  test('bad messages and failures are universal.error messages naming the field; the socket stays open', async () => {
    const cases: Array<[unknown, string | undefined, string | null, number]> = [
      ['not json', undefined, null, 400],
      [{ type: 'universal.delete', request: { eventId: 'e1' } }, 'e1', 'type', 400],
      [
        { type: 'universal.create', request: { provider: 'echo', endpoint: 'responses', query: {} } },
        undefined,
        'request.eventId',
        400,
      ],
      [create('e2', 'echo', 'embeddings', { model: 'parrot' }), 'e2', 'request.endpoint', 400],
      [create('e3', 'echo', 'responses', { model: 'parrot', input: 7 }), 'e3', 'request.query.input', 400],
      [create('e4', 'echo', 'responses', { model: 'nobody', input: 'x' }), 'e4', 'model', 404],
      [create('e5', 'echo', 'responses', { model: 'parrot', input: 'fail' }), 'e5', null, 400],
    ];
    for (const [message, eventId, param, status] of cases) {
      const before = client.received.length;
      client.send(message);
      const [error] = await client.answer(eventId, before);
      assert.equal(error!.type, 'universal.error', JSON.stringify(message));
      assert.equal(error!.status, status, JSON.stringify(error));
      assert.equal((error!.error as { param: string | null }).param, param, JSON.stringify(error));
    }
    client.send(create('after', 'echo', 'responses', { model: 'parrot', input: 'still here' }));
    assert.equal((await client.answer('after'))[0]!.type, 'universal.created');
    assert.equal(client.socket.readyState, WebSocket.OPEN);
  });

  test('a plain GET is told to upgrade (426), a realtime path is not served (404); a handshake without a key is refused once keys exist', async () => {
    const plain = await fetch(`${url}/v1/acc/default`);
    assert.equal(plain.status, 426);
    // The realtime API (a provider path opened as a WebSocket) is not served.
    const realtime = `${url.replace(/^http/, 'ws')}/v1/acc/default/openai?model=gpt-realtime`;
    await assert.rejects(connectJson(realtime), /upgrade refused: 404/);
    const admin = await fetch(`${url}/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', scopes: { admin: true } }),
    });
    const { key } = (await admin.json()) as { key: string };
    await assert.rejects(openUniversal(url), /upgrade refused: 401/);
    const keyed = await openUniversal(url, { 'cf-aig-authorization': `Bearer ${key}` });
    keyed.send(create('keyed', 'echo', 'responses', { model: 'parrot', input: 'with a key' }));
    assert.equal((await keyed.answer('keyed'))[0]!.type, 'universal.created');
    keyed.socket.close();
    // A browser, which can set no header, sends the key as a subprotocol (and gets it back, as it requires).
    const browser = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/acc/default`, [
      `cf-aig-authorization.${key}`,
    ]);
    await new Promise((resolve, reject) => {
      browser.once('open', resolve);
      browser.once('error', reject);
    });
    assert.equal(browser.protocol, `cf-aig-authorization.${key}`);
    browser.close();
  });
});

test('at its lifetime the connection answers what runs, says why, and closes', async () => {
  const echo = await startEchoPortico({ socketLifetimeMs: 300 });
  try {
    const client = await openUniversal(echo.portico.server.url);
    client.send(create('last', 'echo', 'responses', { model: 'parrot', input: 'slow at the end' }));
    const [answer] = await client.answer('last');
    assert.equal(answer!.type, 'universal.created');
    assert.equal(await client.closed, 1000);
    const told = client.received.at(-1)!;
    assert.equal((told.error as { code: string }).code, 'websocket_connection_limit_reached');
  } finally {
    await echo.stop();
  }
});
