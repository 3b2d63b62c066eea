// Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379 (PORTICO_TEST_DATABASE_URL,
// PORTICO_TEST_REDIS_URL): two real `portico serve` processes share one schema and one key prefix.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { dripChatFixture } from './support/drip-chat-fixture.ts';
import { freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { freshRedisPrefix, TEST_REDIS_URL } from './support/redis.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { spawnServe, type ServeProcess } from './support/spawn-serve.ts';

const LEASE_MS = 2000;
const text = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
// About 9 s of answer: long enough to kill a replica, start another and see its lease lapse.
const slow = dripChatFixture(30, 300);

let upstream: ReplayServer;
let root: string;
let env: NodeJS.ProcessEnv;
let dropSchema: () => Promise<void>;
let dropKeys: () => Promise<void>;
const replicas: ServeProcess[] = [];

before(async () => {
  upstream = await startReplayServer((request) => (request.body.includes('slowly') ? slow : text));
  root = mkdtempSync(join(tmpdir(), 'portico-replicas-'));
  writeFileSync(
    join(root, 'portico.yaml'),
    [
      'providers:',
      `  loop: { type: chat-completions, base_url: ${upstream.url}/v1 }`,
      'models:',
      '  - { id: loop/model, provider: loop, context_window: 8000 }',
      'gateways:',
      '  limited: { authentication: false, rate_limit: { limit: 3, period: 60, technique: sliding } }',
    ].join('\n'),
  );
  const { schema, drop } = await freshSchema();
  const { prefix, drop: dropPrefix } = await freshRedisPrefix();
  dropSchema = drop;
  dropKeys = dropPrefix;
  env = {
    PATH: process.env.PATH,
    PORTICO_DATABASE_URL: TEST_DATABASE_URL,
    PORTICO_DATABASE_SCHEMA: schema,
    PORTICO_REDIS_URL: TEST_REDIS_URL,
    PORTICO_REDIS_PREFIX: prefix,
    PORTICO_INSTANCE_LEASE_MS: String(LEASE_MS),
  };
});

after(async () => {
  for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill('SIGKILL');
  await upstream.close();
  await dropSchema();
  await dropKeys();
  rmSync(root, { recursive: true, force: true });
});

async function replica(): Promise<{ serve: ServeProcess; client: OpenAI }> {
  const serve = await spawnServe(
    ['--config', join(root, 'portico.yaml'), '--data-dir', join(root, 'unused')],
    env,
  );
  replicas.push(serve);
  return { serve, client: new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

/** Starts a streamed response and resolves with its id once `response.created` arrives; `rest` reads the remainder. */
async function startStream(url: string): Promise<{ id: string; rest: Promise<string> }> {
  const response = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'loop/model', input: 'answer slowly', stream: true }),
  });
  assert.equal(response.status, 200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let seen = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before response.created: ${seen}`);
    seen += value;
    const match = /"type":"response.created".*?"id":"(resp_[0-9a-f]+)"/.exec(seen);
    if (match) {
      const rest = (async () => {
        for (;;) {
          const next = await reader.read().catch(() => ({ value: '', done: true }));
          if (next.done) return seen;
          seen += next.value;
        }
      })();
      return { id: match[1]!, rest };
    }
  }
}

async function statusOf(client: OpenAI, id: string): Promise<string> {
  return (await client.responses.retrieve(id)).status ?? 'unknown';
}

test('two replicas on one PostgreSQL and one Redis', async (t) => {
  const a = await replica();
  const b = await replica();

  await t.test('a response created on one is retrieved and continued on the other', async () => {
    const first = await a.client.responses.create({ model: 'loop/model', input: 'My name is Ada.' });
    assert.equal(first.status, 'completed');
    const seen = await b.client.responses.retrieve(first.id);
    assert.deepEqual([seen.id, seen.output_text], [first.id, first.output_text]);
    const before = upstream.requests.length;
    const second = await b.client.responses.create({
      model: 'loop/model',
      input: 'What is my name?',
      previous_response_id: first.id,
    });
    assert.equal(second.status, 'completed');
    // B rebuilt the whole chain from the shared database and sent it upstream.
    const sent = upstream.requests.slice(before).map((request) => request.body);
    assert.equal(sent.length, 1);
    assert.match(sent[0]!, /My name is Ada\..*Hello, Ada!.*What is my name\?/s);
    assert.equal((await a.client.responses.retrieve(second.id)).previous_response_id, first.id);
  });

  await t.test('a rate limit holds across them', async () => {
    const statuses: number[] = [];
    for (const { serve } of [a, b, a, b, a]) {
      const response = await fetch(`${serve.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-aig-gateway-id': 'limited' },
        body: JSON.stringify({ model: 'loop/model', input: 'hi' }),
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });

  await t.test(
    "SIGKILL of one leaves the other's live responses alone; the survivor fails the dead one's",
    async () => {
      const onA = await startStream(a.serve.url);
      const onB = await startStream(b.serve.url);
      b.serve.child.kill('SIGKILL');
      await new Promise((resolve) => b.serve.child.once('exit', resolve));
      // A replica starting now recovers at once: it must not take A's live response for dead.
      const c = await replica();
      assert.equal(await statusOf(c.client, onA.id), 'in_progress');
      // Once B's lease lapses, a heartbeat on A or C fails B's interrupted response.
      let status = await statusOf(a.client, onB.id);
      for (let waited = 0; status === 'in_progress' && waited < 4 * LEASE_MS; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await statusOf(a.client, onB.id);
      }
      assert.equal(status, 'failed');
      const failed = await a.client.responses.retrieve(onB.id);
      assert.match(failed.error?.message ?? '', /interrupted/);
      // A's answer was still streaming all along, and completes.
      assert.equal(await statusOf(a.client, onA.id), 'in_progress');
      const streamed = await onA.rest;
      assert.match(streamed, /event: response.completed/);
      assert.equal(await statusOf(c.client, onA.id), 'completed');
      assert.equal(await c.serve.stop(), 0);
    },
  );

  assert.equal(await a.serve.stop(), 0);
});
