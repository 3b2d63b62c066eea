import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Sqlite from 'better-sqlite3';
import OpenAI from 'openai';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { readEventStream } from './support/portico.ts';
import { checkPartsClosed } from './support/stream-checks.ts';
import { restartableServe } from './support/restartable-serve.ts';

const WORDS = 60;
const server = restartableServe({ words: WORDS, delayMs: 50 }, { PORTICO_BACKGROUND_CONCURRENCY: '1' });

async function until(client: OpenAI, id: string, done: (status: string) => boolean) {
  for (;;) {
    const response = await client.responses.retrieve(id);
    if (done(response.status!)) return response;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('kill -9 during a background run: after a restart the run that had started fails, the queued one runs', async () => {
  let client = await server.serve();
  const started = await client.responses.create({ model: 'slow/model', input: 'one', background: true });
  const waiting = await client.responses.create({ model: 'slow/model', input: 'two', background: true });
  // Wait until the first run's answer has begun on disk (events reach it in batches).
  const db = new Sqlite(join(server.dataDir, 'portico.db'), { readonly: true });
  const deltas = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM response_events WHERE response_id = ? AND event_json LIKE '%output_text.delta%'`,
  );
  while (deltas.get(started.id)!.n < 3) await new Promise((resolve) => setTimeout(resolve, 20));
  db.close();
  assert.equal((await client.responses.retrieve(waiting.id)).status, 'queued');
  server.serving.child.kill('SIGKILL');
  await new Promise((resolve) => server.serving.child.once('exit', resolve));

  client = await server.serve();
  const resumed = await until(client, waiting.id, (status) => status === 'completed');
  assert.equal(resumed.output_text, Array.from({ length: WORDS }, (_, n) => `word${n} `).join(''));
  const failed = await until(client, started.id, (status) => status !== 'in_progress');
  assert.equal(failed.status, 'failed');
  assert.match(failed.error!.message, /interrupted/);
  assert.ok(failed.output_text.length > 0 && failed.output_text.length < resumed.output_text.length);

  // The interrupted run's stream is whole: every event numbered in order, every item closed, a terminal event.
  const replayed = await fetch(`${server.serving.url}/v1/responses/${started.id}?stream=true`);
  const events = await readEventStream(replayed.body!);
  events.forEach((event, index) => {
    assertMatchesSchema('ResponseStreamEvent', event);
    assert.equal(event.sequence_number, index);
  });
  const added = events.filter((event) => event.type === 'response.output_item.added').length;
  const done = events.filter((event) => event.type === 'response.output_item.done').length;
  assert.equal(added, done);
  checkPartsClosed(events);
  assert.equal(events.at(-1)!.type, 'response.failed');
  const end = events.at(-1)!.response as { output_text: string; output: unknown[] };
  assert.equal(end.output_text, failed.output_text);
  // The SDK's resumable stream reads it whole, to the failure.
  const types: string[] = [];
  for await (const event of client.responses.stream({ response_id: started.id })) types.push(event.type);
  assert.deepEqual(
    types,
    events.map((event) => event.type),
  );
  await server.serving.stop();
});
