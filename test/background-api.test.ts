import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import type OpenAI from 'openai';
import type { ResponseObject } from '../src/api/response.ts';
import type { ResponseStreamEvent } from '../src/api/stream-events.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { readEventStream, startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';
import type { ReplayServer } from './support/replay-server.ts';
import { startSlowChatUpstream } from './support/slow-chat-upstream.ts';
import { assistantItem, responseFixture, userItem } from './support/store-fixtures.ts';
import { checkPartsClosed } from './support/stream-checks.ts';

const SLOW = 'slow/model';
const WORDS = 30;
let portico: TestPortico;
let client: OpenAI;
let upstream: ReplayServer;

before(async () => {
  const slow = await startSlowChatUpstream({ words: WORDS, delayMs: 40 });
  upstream = slow.upstream;
  portico = await startPortico({
    configPath: slow.configPath,
    background: { concurrency: 1, leaseMs: 1500 },
  });
  client = portico.client;
});
after(async () => {
  await portico.stop();
  await upstream.close();
});

type Status = OpenAI.Responses.Response['status'];

async function until(id: string, done: (status: Status) => boolean): Promise<OpenAI.Responses.Response> {
  for (;;) {
    const response = await client.responses.retrieve(id);
    if (done(response.status)) return response;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
const ended = (status: Status) => status !== 'queued' && status !== 'in_progress';
const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

async function streamAfter(id: string, after?: number) {
  const query = after === undefined ? '' : `&starting_after=${after}`;
  const answer = await fetch(`${portico.server.url}/v1/responses/${id}?stream=true${query}`);
  assert.equal(answer.status, 200);
  assert.match(answer.headers.get('content-type') ?? '', /text\/event-stream/);
  return readEventStream(answer.body!);
}

describe('background responses', () => {
  test('background: true answers queued at once; polling finds it completed', async () => {
    const queued = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 20,
      background: true,
    });
    assertMatchesSchema('Response', queued);
    assert.equal(queued.status, 'queued');
    assert.equal(queued.background, true);
    assert.deepEqual(queued.output, []);
    const done = await until(queued.id, ended);
    assertMatchesSchema('Response', done);
    assert.equal(done.background, true);
    assert.ok(['completed', 'incomplete'].includes(done.status!));
    assert.ok(done.output_text.length > 0);
  });

  test('a background stream, replayed whole and resumed from the middle', async () => {
    const stream = await client.responses.create({
      model: SLOW,
      input: 'go',
      background: true,
      stream: true,
    });
    const live: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of stream) live.push(event);
    assert.deepEqual(
      live.slice(0, 3).map((event) => event.type),
      ['response.created', 'response.queued', 'response.in_progress'],
    );
    assert.equal(live.at(-1)!.type, 'response.completed');
    live.forEach((event, index) => assert.equal(event.sequence_number, index));
    const created = live[0] as OpenAI.Responses.ResponseCreatedEvent;
    assert.equal(created.response.status, 'queued');
    const id = created.response.id;

    const replay = await streamAfter(id);
    assert.deepEqual(replay, JSON.parse(JSON.stringify(live)), 'the stored events are the live ones');
    for (const event of replay) assertMatchesSchema('ResponseStreamEvent', event);
    const middle = Math.floor(live.length / 2);
    const tail = await streamAfter(id, middle);
    assert.deepEqual(tail, replay.slice(middle + 1));

    const sdk = client.responses.stream({ response_id: id, starting_after: middle });
    const resumed: number[] = [];
    for await (const event of sdk) resumed.push(event.sequence_number);
    assert.deepEqual(
      resumed,
      tail.map((event) => event.sequence_number),
    );
    const final = await sdk.finalResponse();
    assert.equal(final.output_text, Array.from({ length: WORDS }, (_, n) => `word${n} `).join(''));
    const stored = await client.responses.retrieve(id);
    assert.deepEqual(
      [final.id, final.status, final.output.map((item) => item.id)],
      [stored.id, stored.status, stored.output.map((item) => item.id)],
    );
  });

  test('a stream resumed while the run is live replays, then follows it to the end', async () => {
    const queued = await client.responses.create({ model: SLOW, input: 'go', background: true });
    let seen: Array<Record<string, unknown>> = [];
    while (seen.length < 8) seen = await streamPrefix(queued.id, 8);
    const tail = await streamAfter(queued.id, 5);
    assert.equal(tail[0]!.sequence_number, 6);
    assert.equal(tail.at(-1)!.type, 'response.completed');
    const final = tail.at(-1)!.response as OpenAI.Responses.Response;
    assert.equal(final.output_text.split(' ').length - 1, WORDS);
  });

  test('cancel stops a queued run and a running one; cancelling twice is harmless', async () => {
    const running = await client.responses.create({ model: SLOW, input: 'one', background: true });
    const waiting = await client.responses.create({ model: SLOW, input: 'two', background: true });
    // Cancelled mid-answer: a text part is open.
    let seen: Array<Record<string, unknown>> = [];
    while (seen.length < 7) seen = await streamPrefix(running.id, 7);
    assert.equal(
      (await client.responses.retrieve(waiting.id)).status,
      'queued',
      'one run of a model at a time',
    );
    const cancelledQueued = await client.responses.cancel(waiting.id);
    assertMatchesSchema('Response', cancelledQueued);
    assert.equal(cancelledQueued.status, 'cancelled');
    const cancelled = await client.responses.cancel(running.id);
    assert.equal(cancelled.status, 'cancelled');
    const stored = await client.responses.retrieve(running.id);
    assert.equal(stored.status, 'cancelled');
    assert.ok(stored.output_text.split(' ').length - 1 < WORDS, 'generation stopped early');
    assert.equal((await client.responses.cancel(running.id)).status, 'cancelled');
    assert.equal(
      (await client.responses.retrieve(waiting.id)).status,
      'cancelled',
      'a cancelled run never starts',
    );
    // Both streams end as their records do: what was open closed, then a terminal event (the
    // API has none for cancelled: response.incomplete) carrying the cancelled response.
    for (const id of [running.id, waiting.id]) {
      const events = await streamAfter(id);
      events.forEach((event, index) => {
        assertMatchesSchema('ResponseStreamEvent', event);
        assert.equal(event.sequence_number, index);
      });
      checkPartsClosed(events);
      const added = events.filter((event) => event.type === 'response.output_item.added');
      const done = events.filter((event) => event.type === 'response.output_item.done');
      assert.equal(done.length, added.length);
      assert.equal(events.at(-1)!.type, 'response.incomplete');
      const end = events.at(-1)!.response as OpenAI.Responses.Response;
      const record = await client.responses.retrieve(id);
      assert.deepEqual(
        [end.status, end.output_text, end.output],
        ['cancelled', record.output_text, JSON.parse(JSON.stringify(record.output))],
      );
      // The SDK reads it to its end (it takes a status only from response.completed).
      const final = await client.responses.stream({ response_id: id }).finalResponse();
      assert.deepEqual(
        final.output.map((item) => item.id),
        record.output.map((item) => item.id),
      );
    }
    assert.ok((await client.responses.retrieve(running.id)).output.length > 0, 'the running one had begun');
  });

  test('a client that disconnects does not stop a background run', async () => {
    const abort = new AbortController();
    const answer = await fetch(`${portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: SLOW, input: 'go', background: true, stream: true }),
      signal: abort.signal,
    });
    const reader = answer.body!.getReader();
    let text = '';
    while (!text.includes('response.output_text.delta'))
      text += new TextDecoder().decode((await reader.read()).value);
    const id = /"id":"(resp_[^"]+)"/.exec(text)![1]!;
    abort.abort();
    const done = await until(id, ended);
    assert.equal(done.status, 'completed');
    assert.equal(done.output_text.split(' ').length - 1, WORDS);
  });

  test('runs of one model wait their turn: at most the configured number run at once', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(
        async (n) => (await client.responses.create({ model: SLOW, input: `n${n}`, background: true })).id,
      ),
    );
    let most = 0;
    for (;;) {
      const statuses = await Promise.all(ids.map(async (id) => (await client.responses.retrieve(id)).status));
      most = Math.max(most, statuses.filter((status) => status === 'in_progress').length);
      if (statuses.every(ended)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(most, 1);
    for (const id of ids) assert.equal((await client.responses.retrieve(id)).status, 'completed');
  });

  test('a run whose server died before it streamed any output starts over; a live lease is left alone', async () => {
    // The live one first: once the dead one's lease lapses, the server's runner may queue it
    // again at any moment, and a claim made after that could take it instead.
    await claimedElsewhere('resp_live_instance', 'instance_alive', 60_000);
    await claimedElsewhere('resp_dead_instance', 'instance_dead', 1);
    const done = await until('resp_dead_instance', ended);
    assert.equal(done.status, 'completed');
    assert.equal(done.output_text.split(' ').length - 1, WORDS);
    const events = await streamAfter('resp_dead_instance');
    events.forEach((event, index) => assert.equal(event.sequence_number, index));
    assert.deepEqual(
      events.slice(0, 3).map((event) => event.type),
      ['response.created', 'response.queued', 'response.in_progress'],
    );
    assert.equal((await client.responses.retrieve('resp_live_instance')).status, 'queued');
    await client.responses.delete('resp_live_instance');
  });

  test('a run whose server died between the writes of its end stays as it ended, and is not run again', async () => {
    const { background, responses } = portico.server.runtime.stores;
    const said = assistantItem('msg_said', 'what the client saw');
    const completed = (queued: ResponseObject): ResponseObject => ({
      ...queued,
      status: 'completed',
      output: [said],
      output_text: 'what the client saw',
    });
    const streamed = (queued: ResponseObject): ResponseStreamEvent[] => [
      { type: 'response.in_progress', response: { ...queued, status: 'in_progress' }, sequence_number: 2 },
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { ...said, status: 'in_progress', content: [] },
        sequence_number: 3,
      },
      { type: 'response.output_item.done', output_index: 0, item: said, sequence_number: 4 },
      { type: 'response.completed', response: completed(queued), sequence_number: 5 },
    ];
    const failure = { code: 'server_error', message: 'the upstream refused' };
    // What reached the store before the kill: the end in its record, in its log, or in both.
    const cases = {
      resp_end_in_record: { record: completed, logged: 0, status: 'completed', output: ['msg_said'] },
      resp_end_in_record_mid_stream: {
        record: completed,
        logged: 2,
        status: 'completed',
        output: ['msg_said'],
      },
      resp_end_in_both: { record: completed, logged: 4, status: 'completed', output: ['msg_said'] },
      resp_end_in_log: { record: undefined, logged: 0, status: 'failed', output: [] },
    } as const;
    for (const [id, { record, logged }] of Object.entries(cases)) {
      const queued = await claimedElsewhere(id, 'instance_dead', 60_000);
      if (record) await responses.finish(record(queued), 'default');
      const failed = { ...queued, status: 'failed' as const, error: failure };
      const events = record
        ? streamed(queued).slice(0, logged)
        : [{ type: 'response.failed' as const, response: failed, sequence_number: 2 }];
      await background.appendEvents(id, events);
      await background.renew(id, 'instance_dead', 0, 1); // its lease lapses: this server recovers it
    }
    const db = new Sqlite(join(portico.dataDir, 'portico.db'), { readonly: true });
    const queue = db.prepare<string[], { n: number }>(
      `SELECT count(*) AS n FROM background_runs WHERE response_id IN (${Object.keys(cases)
        .map(() => '?')
        .join()})`,
    );
    while (queue.get(...Object.keys(cases))!.n > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    db.close();
    for (const [id, { status, output }] of Object.entries(cases)) {
      const stored = await client.responses.retrieve(id);
      assert.deepEqual([stored.status, stored.output.map((item) => item.id)], [status, output], id);
      // Its stream ends once, as its record does, and carries the whole response.
      const events = await streamAfter(id);
      events.forEach((event, index) => assert.equal(event.sequence_number, index, id));
      const ends = events.map((event) => event.type).filter((type) => TERMINAL_EVENTS.has(type as string));
      assert.deepEqual(ends, [`response.${status}`], id);
      const end = events.at(-1)!.response as OpenAI.Responses.Response;
      assert.deepEqual([end.status, end.output.map((item) => item.id)], [status, output], id);
      assert.ok(!upstream.requests.some((request) => request.body.includes(id)), `${id} was not run again`);
    }
  });

  test(
    'a run put back in the queue by a recovery that died at once runs all the same',
    { timeout: 20_000 },
    async (t) => {
      const { background, responses } = portico.server.runtime.stores;
      const queued = await claimedElsewhere('resp_requeued', 'instance_dead', 60_000);
      await responses.finish({ ...queued, status: 'in_progress' }, 'default');
      // The second kill: recovery's requeue lands, and nothing it writes after it.
      const finish = responses.finish.bind(responses);
      t.mock.method(responses, 'finish', async (response: ResponseObject, owner: string) => {
        if (response.status === 'queued') throw new Error('killed after the requeue');
        return finish(response, owner);
      });
      await background.renew('resp_requeued', 'instance_dead', 0, 1);
      const done = await until('resp_requeued', ended);
      assert.equal(done.status, 'completed');
      assert.equal(done.output_text.split(' ').length - 1, WORDS);
    },
  );

  test('what cannot be streamed or cancelled is a clear error', async () => {
    const foreground = await client.responses.create({ model: SLOW, input: 'x' });
    await assert.rejects(client.responses.cancel(foreground.id), { status: 400 });
    await assert.rejects(client.responses.cancel('resp_unknown'), { status: 404 });
    const stream = await fetch(`${portico.server.url}/v1/responses/${foreground.id}?stream=true`);
    assert.equal(stream.status, 400);
    assert.equal(((await stream.json()) as { error: { param: string } }).error.param, 'stream');
    const bad = await fetch(
      `${portico.server.url}/v1/responses/${foreground.id}?stream=true&starting_after=x`,
    );
    assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'starting_after');
    await assert.rejects(
      client.responses.create({ model: SLOW, input: 'x', background: true, store: false }),
      {
        status: 400,
        param: 'background',
      },
    );
    await assert.rejects(client.responses.create({ model: 'nope/model', input: 'x', background: true }), {
      status: 404,
      param: 'model',
    });
  });
});

/** A queued response as enqueue records it (its input says its id), claimed at once by another instance. */
async function claimedElsewhere(id: string, instance: string, leaseMs: number): Promise<ResponseObject> {
  const background = portico.server.runtime.stores.background;
  const response = responseFixture(id, { model: SLOW, status: 'queued', background: true });
  const input = [userItem(`msg_${id}`, id)];
  // Open mode on loopback: the local admin queued it.
  const caller = { keyId: null, admin: true, authenticated: true };
  const request = { body: { model: SLOW, input, background: true }, gateway: null, caller };
  const events = [
    { type: 'response.created' as const, response, sequence_number: 0 },
    { type: 'response.queued' as const, response, sequence_number: 1 },
  ];
  // Asked for in one turn, the two writes share one transaction of the group commit: the
  // server's own runner, which polls for queued runs, cannot claim this one between them.
  const [, claimed] = await Promise.all([
    background.enqueue(response, input, { responseId: id, owner: 'default', model: SLOW, request }, events),
    background.claim(instance, [], Date.now(), leaseMs),
  ]);
  assert.equal(claimed?.responseId, id);
  return response;
}

/** The first `count` events of a background response's stream (the connection is closed after them). */
async function streamPrefix(id: string, count: number): Promise<Array<Record<string, unknown>>> {
  const abort = new AbortController();
  const answer = await fetch(`${portico.server.url}/v1/responses/${id}?stream=true`, {
    signal: abort.signal,
  });
  const reader = answer.body!.getReader();
  let text = '';
  while (text.split('\n\n').length <= count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  abort.abort();
  return text
    .split('\n\n')
    .filter(Boolean)
    .slice(0, count)
    .map((block) => JSON.parse(block.split('\n')[1]!.slice(6)) as Record<string, unknown>);
}
