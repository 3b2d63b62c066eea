import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerUpgrades } from '../src/server/answer-upgrades.ts';
import { createApp } from '../src/server/app.ts';
import { SocketServer } from '../src/server/socket-server.ts';
import { startPortico, type TestPortico } from './support/portico.ts';
import type { ReplayServer } from './support/replay-server.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { openSocket } from './support/socket-client.ts';
import { checkResponseStream } from './support/stream-checks.ts';

type Message = Record<string, unknown>;

const MODEL = SCRIPTED_MODEL;

/** What the upstream was given, as `role: text` lines: the model's whole view of the conversation. */
function seen(body: unknown): string[] {
  return ((body as { input: Array<Record<string, unknown>> }).input ?? []).map((item) => {
    const content = item.content as Array<{ text?: string }> | undefined;
    return `${String(item.role ?? item.type)}: ${content?.map((part) => part.text ?? '').join('') ?? ''}`;
  });
}

function response(messages: Message[]): Record<string, unknown> {
  return messages.at(-1)!.response as Record<string, unknown>;
}

describe('WebSocket mode on /v1/responses', () => {
  let scripted: ScriptedPortico;
  let upstream: ReplayServer;
  let portico: TestPortico;

  before(async () => {
    scripted = await startScriptedPortico(
      ({ input }) => [{ type: 'message', text: `heard ${input.length} items` }],
      '',
      { socketLifetimeMs: 60_000 },
    );
    ({ upstream, portico } = scripted);
  });

  after(() => scripted.stop());

  test('a response.create answers with the same events as SSE, as JSON messages', async () => {
    const socket = await openSocket(portico.server.url);
    socket.create({ model: MODEL, input: 'Hi', store: false });
    const events = await socket.turn();
    const final = checkResponseStream(events);
    assert.equal(final.status, 'completed');
    assert.equal(final.output_text, 'heard 1 items');
    socket.close();
  });

  test("the upgrade's cf-aig-* headers are every turn's gateway options", async () => {
    const socket = await openSocket(portico.server.url, {
      'cf-aig-metadata': '{"via":"socket"}',
      'cf-aig-event-id': 'ws-event',
    });
    socket.create({ model: MODEL, input: 'Hi', store: false });
    assert.equal(response(await socket.turn()).status, 'completed');
    socket.close();
    await portico.server.runtime.gateway.flushLogs();
    const logs = await portico.server.runtime.stores.logs.query(
      { eventId: 'ws-event' },
      { limit: 10, order: 'asc' },
    );
    assert.equal(logs.data.length, 1, "the turn is logged under the header's event id");
    assert.deepEqual(logs.data[0]!.metadata, { via: 'socket' });
  });

  test('store: false continues from the connection-local cache with only new input', async () => {
    const socket = await openSocket(portico.server.url);
    socket.create({ model: MODEL, input: 'first', store: false });
    const first = response(await socket.turn());
    const before = upstream.requests.length;
    socket.create({ model: MODEL, input: 'second', store: false, previous_response_id: first.id });
    const second = response(await socket.turn());
    assert.equal(second.status, 'completed');
    assert.deepEqual(seen(upstream.requests[before]!.json), [
      'user: first',
      'assistant: heard 1 items',
      'user: second',
    ]);
    // Nothing was stored: another connection (or HTTP) cannot continue it.
    const other = await openSocket(portico.server.url);
    other.create({ model: MODEL, input: 'third', store: false, previous_response_id: second.id });
    const [error] = await other.turn();
    assert.equal(error!.type, 'error');
    assert.equal(error!.status, 400);
    assert.deepEqual(error!.error, {
      type: 'invalid_request_error',
      code: 'previous_response_not_found',
      param: 'previous_response_id',
      message: `Previous response with id '${String(second.id)}' not found.`,
    });
    socket.close();
    other.close();
  });

  test('a failed turn evicts the response it continued from', async () => {
    const socket = await openSocket(portico.server.url);
    socket.create({ model: MODEL, input: 'first', store: false });
    const first = response(await socket.turn());
    socket.create({
      model: MODEL,
      input: 'x',
      store: false,
      previous_response_id: first.id,
      tool_choice: 'required',
    });
    const [failed] = await socket.turn();
    assert.equal(failed!.type, 'error');
    assert.equal((failed!.error as { param: string }).param, 'tool_choice');
    socket.create({ model: MODEL, input: 'again', store: false, previous_response_id: first.id });
    const [gone] = await socket.turn();
    assert.equal((gone!.error as { code: string }).code, 'previous_response_not_found');
    socket.close();
  });

  test('responses run one after another on one socket; stored ones continue from the store too', async () => {
    const socket = await openSocket(portico.server.url);
    socket.create({ model: MODEL, input: 'one' });
    socket.create({ model: MODEL, input: 'two' });
    const one = await socket.turn();
    const two = await socket.turn();
    assert.equal(one[0]!.type, 'response.created');
    assert.equal(two[0]!.type, 'response.created');
    assert.notEqual(response(one).id, response(two).id);
    assert.equal(
      socket.received.length,
      one.length + two.length,
      'nothing of one interleaves with the other',
    );
    // `one` is no longer the cached response, but it was stored.
    socket.create({ model: MODEL, input: 'three', previous_response_id: response(one).id });
    assert.equal(response(await socket.turn()).status, 'completed');
    const stored = await portico.client.responses.retrieve(String(response(two).id));
    assert.equal(stored.status, 'completed');
    socket.close();
  });

  test('generate: false warms up without running the model, and the next turn chains from it', async () => {
    const socket = await openSocket(portico.server.url);
    const before = upstream.requests.length;
    socket.create({
      model: MODEL,
      input: 'context',
      instructions: 'Be brief.',
      store: false,
      generate: false,
    });
    const warm = await socket.turn();
    assert.deepEqual(
      warm.map((event) => event.type),
      ['response.created', 'response.in_progress', 'response.completed'],
    );
    assert.deepEqual(response(warm).output, []);
    assert.equal(upstream.requests.length, before, 'no model ran');
    socket.create({ model: MODEL, input: 'go', store: false, previous_response_id: response(warm).id });
    assert.equal(response(await socket.turn()).output_text, 'heard 2 items');
    socket.close();
  });

  test('messages waiting behind the response in flight are bounded', async () => {
    const socket = await openSocket(portico.server.url);
    for (let i = 0; i < 20; i++) socket.create({ model: MODEL, input: `n${i}`, store: false });
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push((await socket.turn()).at(-1)!);
    const refused = answers.filter((message) => message.type === 'error');
    assert.ok(refused.length >= 1, 'some were refused');
    assert.ok(
      refused.every(
        (message) => (message.error as { code: string }).code === 'websocket_stream_limit_reached',
      ),
    );
    // OpenAI's limit: 16 active responses on one connection.
    assert.ok(answers.filter((message) => message.type === 'response.completed').length >= 16);
    socket.close();
  });

  test('a plain GET is told to upgrade', async () => {
    const res = await fetch(`${portico.server.url}/v1/responses`);
    const { error } = (await res.json()) as { error: { code: string } };
    assert.equal(res.status, 426);
    assert.equal(error.code, 'upgrade_required');
  });

  test('bad messages are error messages, and the connection stays usable', async () => {
    const socket = await openSocket(portico.server.url);
    socket.socket.send('not json');
    assert.equal((await socket.turn())[0]!.type, 'error');
    socket.socket.send(JSON.stringify({ type: 'response.cancel' }));
    assert.equal(((await socket.turn())[0]!.error as { param: string }).param, 'type');
    socket.create({ model: MODEL, input: 'Hi', background: true });
    assert.equal(((await socket.turn())[0]!.error as { param: string }).param, 'background');
    socket.create({ model: MODEL, input: 'Hi', bogus: 1 });
    assert.equal(((await socket.turn())[0]!.error as { code: string }).code, 'unknown_parameter');
    socket.create({ model: MODEL, input: 'Hi', stream: true });
    assert.equal(response(await socket.turn()).status, 'completed', 'stream is implicit and ignored');
    socket.close();
  });
});

describe('WebSocket connection limits and authentication', () => {
  test('at the connection time limit the server says so and closes', async () => {
    const portico = await startPortico({ socketLifetimeMs: 200 });
    try {
      const socket = await openSocket(portico.server.url);
      const code = await socket.closed;
      assert.equal(code, 1000);
      const [message] = socket.received;
      assert.equal(message!.type, 'error');
      assert.equal((message!.error as { code: string }).code, 'websocket_connection_limit_reached');
    } finally {
      await portico.stop();
    }
  });

  test('the upgrade passes through the middleware chain, so a key check applies to it', async () => {
    const portico = await startPortico();
    const outer = new Hono();
    outer.use(async (c, next) => {
      if (c.req.header('authorization') !== 'Bearer right') return c.json({ error: 'no key' }, 401);
      await next();
    });
    outer.route('/', createApp(portico.server.runtime, portico.server.runtime.logger));
    const server = createServer(getRequestListener(outer.fetch));
    answerUpgrades(server, new SocketServer());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await assert.rejects(openSocket(url), /upgrade refused: 401/);
      await assert.rejects(openSocket(url, { authorization: 'Bearer wrong' }), /upgrade refused: 401/);
      const socket = await openSocket(url, { authorization: 'Bearer right' });
      socket.close();
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await portico.stop();
    }
  });
});
