import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import { MAX_LANES, ResponsesSocketSession, type RunTurn } from '../src/server/responses-socket.ts';
import type { TestPortico } from './support/portico.ts';
import type { ReplayServer } from './support/replay-server.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { openSocket } from './support/socket-client.ts';
import { checkResponseStream } from './support/stream-checks.ts';

type Message = Record<string, unknown>;

const MODEL = SCRIPTED_MODEL;

/** The user turns the upstream was given, in order: the model's view of its conversation. */
function userTexts(body: unknown): string[] {
  return (body as { input: Array<{ role?: string; content?: Array<{ text?: string }> }> }).input
    .filter((item) => item.role === 'user')
    .map((item) => item.content?.map((part) => part.text ?? '').join('') ?? '');
}

function response(messages: Message[]): Record<string, unknown> {
  return messages.at(-1)!.response as Record<string, unknown>;
}

/** The events without the lane they echo, which is WebSocket-only (not in the SSE event schema). */
function withoutLane(messages: Message[], lane: string): Message[] {
  return messages.map(({ stream_id, ...event }) => {
    assert.equal(stream_id, lane, `${String(event.type)} echoes its stream_id`);
    return event;
  });
}

describe('WebSocket lanes (stream_id) on /v1/responses', () => {
  let scripted: ScriptedPortico;
  let upstream: ReplayServer;
  let portico: TestPortico;

  before(async () => {
    scripted = await startScriptedPortico(({ input }) => [
      { type: 'message', text: `heard ${input.length} items` },
    ]);
    ({ upstream, portico } = scripted);
  });

  after(() => scripted.stop());

  test('each lane echoes its stream_id on every event and keeps its own store: false chain', async () => {
    const socket = await openSocket(portico.server.url);
    socket.create({ stream_id: 'a', model: MODEL, input: 'a1', store: false });
    socket.create({ stream_id: 'b', model: MODEL, input: 'b1', store: false });
    const a1 = withoutLane(await socket.turn('a'), 'a');
    const b1 = withoutLane(await socket.turn('b'), 'b');
    assert.equal(checkResponseStream(a1).status, 'completed');
    assert.equal(checkResponseStream(b1).status, 'completed');

    // Each lane continues its own latest response from the connection's cache.
    socket.create({
      stream_id: 'a',
      model: MODEL,
      input: 'a2',
      store: false,
      previous_response_id: response(a1).id,
    });
    socket.create({
      stream_id: 'b',
      model: MODEL,
      input: 'b2',
      store: false,
      previous_response_id: response(b1).id,
    });
    const a2 = withoutLane(await socket.turn('a'), 'a');
    const b2 = withoutLane(await socket.turn('b'), 'b');
    assert.equal(response(a2).output_text, 'heard 3 items');
    assert.equal(response(b2).output_text, 'heard 3 items');
    const asked = upstream.requests.slice(-2).map((request) => userTexts(request.json).join(' '));
    assert.deepEqual(asked.sort(), ['a1 a2', 'b1 b2']);
    socket.close();
  });

  test("a new lane forks from another lane's response, which stays for its own lane", async () => {
    const socket = await openSocket(portico.server.url);
    socket.create({ stream_id: 'main', model: MODEL, input: 'root', store: false });
    const root = response(await socket.turn('main'));
    socket.create({
      stream_id: 'fork',
      model: MODEL,
      input: 'branch',
      store: false,
      previous_response_id: root.id,
    });
    const branch = await socket.turn('fork');
    assert.equal(response(branch).status, 'completed');
    assert.deepEqual(userTexts(upstream.requests.at(-1)!.json), ['root', 'branch']);
    socket.create({
      stream_id: 'main',
      model: MODEL,
      input: 'trunk',
      store: false,
      previous_response_id: root.id,
    });
    assert.equal(response(await socket.turn('main')).status, 'completed');
    assert.deepEqual(userTexts(upstream.requests.at(-1)!.json), ['root', 'trunk']);
    socket.close();
  });

  test('a wrong stream_id is a 400 naming it, in order with the messages that name no lane', async () => {
    const socket = await openSocket(portico.server.url);
    for (const streamId of ['', 'has space', 'x'.repeat(257), 7]) {
      socket.create({ stream_id: streamId, model: MODEL, input: 'Hi', store: false });
      const [error] = await socket.turn();
      assert.equal(error!.type, 'error');
      assert.equal(error!.status, 400);
      assert.equal(error!.stream_id, undefined, 'a wrong lane is not echoed');
      const body = error!.error as { code: string; param: string; message: string };
      assert.equal(body.code, 'invalid_stream_id');
      assert.equal(body.param, 'stream_id');
      assert.match(body.message, /1 to 256 characters/);
    }
    // Errors of a lane's own turns carry its stream_id, and the lane stays usable.
    socket.create({ stream_id: 'ok', model: MODEL, input: 'Hi', bogus: 1 });
    const [unknown] = await socket.turn('ok');
    assert.equal(unknown!.stream_id, 'ok');
    assert.equal((unknown!.error as { code: string }).code, 'unknown_parameter');
    socket.create({ stream_id: 'ok', model: MODEL, input: 'Hi', store: false });
    assert.equal(response(await socket.turn('ok')).status, 'completed');
    socket.close();
  });

  test(`a connection names at most ${MAX_LANES} lanes`, async () => {
    const socket = await openSocket(portico.server.url);
    // Named in two rounds: at most 16 responses may be active at once.
    for (const round of [0, MAX_LANES / 2]) {
      for (let lane = round; lane < round + MAX_LANES / 2; lane++)
        socket.create({
          stream_id: `lane-${lane}`,
          model: MODEL,
          input: 'Hi',
          store: false,
          generate: false,
        });
      for (let lane = round; lane < round + MAX_LANES / 2; lane++)
        assert.equal(response(await socket.turn(`lane-${lane}`)).status, 'completed');
    }
    socket.create({ stream_id: 'one-more', model: MODEL, input: 'Hi', store: false });
    const [refused] = await socket.turn('one-more');
    assert.equal(refused!.type, 'error');
    assert.equal((refused!.error as { code: string }).code, 'websocket_stream_limit_reached');
    // Lanes already named, and no lane at all, still serve.
    socket.create({ stream_id: 'lane-0', model: MODEL, input: 'Hi', store: false });
    assert.equal(response(await socket.turn('lane-0')).status, 'completed');
    socket.create({ model: MODEL, input: 'Hi', store: false });
    assert.equal(response(await socket.turn()).status, 'completed');
    socket.close();
  });
});

/**
 * A session over a `run` whose responses each wait for the test to let them finish, and whose
 * context is `context(input)`; `found` records what the cache gave for each previous_response_id.
 */
function heldSession(context: (input: string) => Item[] = () => []) {
  const held: Array<{ input: unknown; finish: () => void }> = [];
  const found = new Map<string, Item[] | undefined>();
  const run: RunTurn = async (request, _body, previousItems) => {
    const previous = request.previous_response_id;
    if (previous) found.set(previous, await previousItems(previous));
    await new Promise<void>((finish) => held.push({ input: request.input, finish }));
    const response = { id: `resp_${String(request.input)}`, status: 'completed', output: [] };
    const events = [{ type: 'response.completed', response }] as unknown as ResponseStreamEvent[];
    return {
      events: (async function* () {
        yield* events;
      })(),
      context: context(String(request.input)),
    };
  };
  const sent: Message[] = [];
  const session = new ResponsesSocketSession(run, {
    send: (text) => sent.push(JSON.parse(text) as Message),
    drained: () => undefined,
    close: () => {},
  });
  const create = (input: string, streamId?: string, previous?: string) =>
    session.receive(
      JSON.stringify({
        type: 'response.create',
        model: 'm',
        input,
        stream_id: streamId,
        previous_response_id: previous,
      }),
    );
  return { held, sent, found, session, create };
}

async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check(); tries++) {
    if (tries > 500) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('lanes run side by side', () => {
  test("a lane's response runs while another lane's is still running; one lane runs in order", async () => {
    const { held, sent, session, create } = heldSession();
    create('a1', 'a');
    create('a2', 'a');
    create('b1', 'b');
    create('none');
    // a1, b1 and the lane-less one run at once; a2 waits behind a1.
    await until(() => held.length === 3);
    assert.deepEqual(held.map((turn) => turn.input).sort(), ['a1', 'b1', 'none']);
    held.find((turn) => turn.input === 'b1')!.finish();
    await until(() => sent.length === 1);
    assert.deepEqual(sent[0], {
      type: 'response.completed',
      response: { id: 'resp_b1', status: 'completed', output: [] },
      stream_id: 'b',
    });
    held.find((turn) => turn.input === 'a1')!.finish();
    await until(() => held.length === 4);
    assert.equal(held[3]!.input, 'a2', "lane a's second response ran once its first had ended");
    for (const turn of held) turn.finish();
    await until(() => sent.length === 4);
    assert.equal(
      sent.find((message) => (message.response as { id: string }).id === 'resp_none')!.stream_id,
      undefined,
    );
    session.closed();
  });

  test('a shutdown answers every lane, then closes', async () => {
    const { held, sent, session, create } = heldSession();
    create('a1', 'a');
    create('b1', 'b');
    await until(() => held.length === 2);
    let drained = false;
    const draining = session.drain().then(() => (drained = true));
    create('late', 'c');
    assert.equal((sent[0]!.error as { code: string }).code, 'server_shutting_down');
    held[0]!.finish();
    await until(() => sent.length === 2);
    assert.equal(drained, false, 'a lane is still running');
    held[1]!.finish();
    await draining;
    assert.equal(sent.length, 3);
  });

  test('past 64 MiB of cached context in all, the lanes used least recently lose theirs', async () => {
    const big = (input: string): Item[] => [
      {
        id: `msg_${input}`,
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: input.repeat(40 * 1024 * 1024) }],
      },
    ];
    const { held, sent, found, session, create } = heldSession((input) => big(input.slice(0, 1)));
    create('a', 'a');
    await until(() => held.length === 1);
    held[0]!.finish();
    create('b', 'b');
    await until(() => held.length === 2);
    held[1]!.finish();
    await until(() => sent.length === 2);
    create('c', 'c', 'resp_a');
    create('d', 'd', 'resp_b');
    await until(() => held.length === 4);
    assert.ok(found.get('resp_a') === undefined, "lane a's context was dropped for lane b's");
    assert.equal(found.get('resp_b')?.length, 1, "lane b's, the latest, stayed");
    for (const turn of held) turn.finish();
    session.closed();
  });
});
