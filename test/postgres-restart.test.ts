// Needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL). The database is taken away
// under load by a TCP proxy that cuts every connection and refuses new ones, then given back
// on the same port: what a restart looks like to Portico, without touching the shared server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/server/start-server.ts';
import { jsonLogger } from '../src/logger.ts';
import { openPostgresStores } from '../src/store/postgres-stores.ts';
import { DEFAULT_PROJECT } from '../src/store/owner.ts';
import { freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

const text = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
const WORKERS = 6;
const MAX_PER_WORKER = 400;

let upstream: ReplayServer;
let proxy: TcpProxy;
let server: RunningServer;
let schema: string;
let drop: () => Promise<void>;
let dataDir: string;
/** What the server logged about its own failures (errors, 500s), shown when the test fails. */
const serverErrors: string[] = [];

before(async () => {
  upstream = await startReplayServer(() => ({ ...text, chunkDelayMs: 15 }));
  const target = new URL(TEST_DATABASE_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  ({ schema, drop } = await freshSchema());
  const url = new URL(TEST_DATABASE_URL);
  url.port = String(proxy.port);
  dataDir = mkdtempSync(join(tmpdir(), 'portico-pg-restart-'));
  server = await startServer({
    port: 0,
    dataDir,
    modelsDirs: [],
    logger: jsonLogger((line) => {
      if (line.includes('"level":"error"') || line.includes('"status":500')) serverErrors.push(line);
    }),
    env: { PORTICO_DATABASE_URL: url.href, PORTICO_DATABASE_SCHEMA: schema },
    config: {
      providers: { loop: { type: 'chat-completions', base_url: `${upstream.url}/v1` } },
      models: [{ id: 'loop/model', provider: 'loop', context_window: 8000 }],
    },
  });
});

after(async () => {
  await server.close();
  await proxy.close();
  await upstream.close();
  await drop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Outcome {
  status: number;
  stream: boolean;
  /** The response id the client was given (a JSON answer, or `response.created` on a stream). */
  id?: string;
  /** The client saw the answer end: a JSON answer, or a streamed `response.completed`. */
  completed: boolean;
  code?: string;
}

/** One request, as the client saw it; a connection cut mid-answer is status 0. */
async function send(stream: boolean): Promise<Outcome> {
  return attempt(stream).catch((error: unknown) => ({
    status: 0,
    stream,
    completed: false,
    code: `connection: ${String(error)}`,
  }));
}

async function attempt(stream: boolean): Promise<Outcome> {
  const response = await fetch(`${server.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'loop/model', input: 'hi', stream }),
  });
  const body = await response.text();
  if (response.status !== 200) {
    const error = (JSON.parse(body) as { error: { code: string } }).error;
    return { status: response.status, stream, completed: false, code: error.code };
  }
  if (!stream) return { status: 200, stream, id: (JSON.parse(body) as { id: string }).id, completed: true };
  const id = /"type":"response.created".*?"id":"(resp_[0-9a-f]+)"/.exec(body)?.[1];
  return {
    status: 200,
    stream,
    ...(id ? { id } : {}),
    completed: body.includes('event: response.completed'),
  };
}

test('PostgreSQL restarted under load: every acknowledged response is there afterwards', async () => {
  const outcomes: Outcome[] = [];
  const lastOf: Outcome[] = [];
  let done = 0;
  let restored = false;
  const cut = (async () => {
    while (done < WORKERS * 5) await new Promise((resolve) => setTimeout(resolve, 10));
    await proxy.cut();
    // The clients' own requests may all be waiting out the outage (a JSON answer waits for its
    // record); streamed ones sent now must begin their record, so they meet it for certain.
    const outageEnds = Date.now() + 1500;
    while (Date.now() < outageEnds) {
      outcomes.push(await send(true));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await proxy.restore();
    restored = true;
  })();
  // Each client sends until the database is back and it has been answered again (at most MAX_PER_WORKER).
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      let servedAfter = 0;
      for (let n = 0; n < MAX_PER_WORKER && servedAfter < 3; n++) {
        const outcome = await send((worker + n) % 2 === 0);
        outcomes.push(outcome);
        lastOf[worker] = outcome;
        done++;
        if (restored && outcome.status === 200) servedAfter++;
        if (outcome.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }),
  );
  await cut;

  // While the database was away, requests were refused honestly: a retryable 503, never a 500.
  const refused = outcomes.filter((outcome) => outcome.status !== 200);
  assert.ok(refused.length > 0, 'some requests met the outage');
  assert.deepEqual(
    [...new Set(refused.map((outcome) => `${outcome.status} ${outcome.code}`))],
    ['503 store_unavailable'],
    serverErrors.join(''),
  );
  // Before and after it, requests were served: the pool came back by itself.
  assert.deepEqual(
    lastOf.map((outcome) => outcome.status),
    Array.from({ length: WORKERS }, () => 200),
  );

  const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
  try {
    const acknowledged = outcomes.filter((outcome) => outcome.id !== undefined);
    for (const outcome of acknowledged) {
      const stored = await stores.responses.get(outcome.id!, DEFAULT_PROJECT);
      assert.ok(stored, `response ${outcome.id} was acknowledged and is stored`);
      // An answer whose end the client saw is stored as completed, even one that ended during the outage.
      if (outcome.completed) assert.equal(stored.status, 'completed', `response ${outcome.id}`);
    }
    assert.ok(acknowledged.filter((outcome) => outcome.stream && outcome.completed).length > 0);
  } finally {
    await stores.close();
  }
});
