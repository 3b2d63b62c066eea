import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ECHO_MODEL, echoConfig, startEchoPortico, startEchoUpstream } from './support/echo-upstream.ts';
import { startPortico } from './support/portico.ts';
import { freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import type { ScriptedPortico } from './support/scripted-portico.ts';

type Json = Record<string, unknown>;

/** A JSON request to `base`, its status, headers and body. */
async function send(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
}

/** Polls a background run until it has ended; each answer before is Queued or Running. */
async function ended(poll: () => Promise<{ status: number; json: Json }>): Promise<Json> {
  for (;;) {
    const { status, json } = await poll();
    assert.equal(status, 200, JSON.stringify(json));
    if (json.state !== 'Queued' && json.state !== 'Running') return json;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const RUN = '/v1/acc/default/run';

describe('the Run API: POST /v1/{account}/{gateway}/run', () => {
  let echo: ScriptedPortico;
  let url: string;
  before(async () => {
    echo = await startEchoPortico();
    url = echo.portico.server.url;
  });
  after(() => echo.stop());

  test("runs a stored prompt ({prompt: {id, variables}}): a Responses request, not Workers AI's text prompt", async () => {
    const made = await send(url, 'POST', '/v1/prompts', {
      template: { input: [{ role: 'user', content: 'tell me about {{topic}}' }] },
    });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const { status, json } = await send(url, 'POST', RUN, {
      model: ECHO_MODEL,
      input: { prompt: { id: made.json.id, variables: { topic: 'otters' } } },
    });
    assert.equal(status, 200, JSON.stringify(json));
    const result = json.result as { output_text: string; prompt: Json };
    assert.equal(result.output_text, 'echo: tell me about otters');
    assert.deepEqual(result.prompt, { id: made.json.id, version: '1', variables: { topic: 'otters' } });
  });

  test('runs {prompt} through the gateway: Completed with the result, the provider and the model, logged', async () => {
    const { status, headers, json } = await send(url, 'POST', RUN, {
      model: ECHO_MODEL,
      input: { prompt: 'hello' },
    });
    assert.equal(status, 200, JSON.stringify(json));
    assert.deepEqual(json, {
      state: 'Completed',
      result: { response: 'echo: hello', usage: json.result && (json.result as Json).usage },
      model: ECHO_MODEL,
      provider: 'echo',
      usedBYOKKey: false,
    });
    const usage = (json.result as Json).usage as Json;
    assert.equal(typeof usage.total_tokens, 'number');
    const logId = headers.get('cf-aig-log-id');
    assert.ok(logId);
    const log = await send(url, 'GET', `/v1/logs/${logId}`);
    assert.equal(log.status, 200, JSON.stringify(log.json));
    assert.match(String(log.json.path), /run$/);
    assert.equal(log.json.model, ECHO_MODEL);
    assert.equal(log.json.success, true);
  });

  test('a Responses input answers the Response; provider pins a name in its own terms', async () => {
    const { status, json } = await send(url, 'POST', RUN, {
      model: 'parrot',
      provider: 'echo',
      input: { input: 'as a response' },
    });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.model, ECHO_MODEL);
    const result = json.result as Json;
    assert.equal(result.object, 'response');
    assert.equal(result.output_text, 'echo: as a response');
  });

  test('no cache: the same run twice reaches the upstream twice, even where the gateway caches', async () => {
    const before = echo.upstream.requests.length;
    const body = { model: ECHO_MODEL, input: { prompt: 'twice' } };
    const cached = { 'cf-aig-cache-ttl': '3600' };
    for (let i = 0; i < 2; i++) {
      const { status, headers } = await send(url, 'POST', RUN, body, cached);
      assert.equal(status, 200);
      assert.notEqual(headers.get('cf-aig-cache-status'), 'HIT');
    }
    assert.equal(echo.upstream.requests.length - before, 2);
    // The same header caches a chat completion of that model: it is the Run API that skips the cache.
    const chat = { model: ECHO_MODEL, messages: [{ role: 'user', content: 'twice' }] };
    const statuses: Array<string | null> = [];
    for (let i = 0; i < 2; i++)
      statuses.push(
        (await send(url, 'POST', '/v1/acc/default/compat/chat/completions', chat, cached)).headers.get(
          'cf-aig-cache-status',
        ),
      );
    assert.deepEqual(statuses, ['MISS', 'HIT']);
  });

  test('an upstream failure is {state: Failed, error: {code, message}} with its status', async () => {
    const { status, json } = await send(url, 'POST', RUN, { model: ECHO_MODEL, input: { prompt: 'fail' } });
    assert.ok(status >= 400, `status ${status}`);
    assert.equal(json.state, 'Failed');
    const error = json.error as { code: string; message: string };
    assert.equal(typeof error.code, 'string');
    assert.match(error.message, /refused/);
    assert.deepEqual([json.model, json.provider], [ECHO_MODEL, 'echo']);
  });

  test('bad input is a 400 in the OpenAI shape naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ input: { prompt: 'x' } }, 'model'],
      [{ model: ECHO_MODEL, input: 'text' }, 'input'],
      [{ model: ECHO_MODEL, input: { prompt: 7 } }, 'input.prompt'],
      [{ model: ECHO_MODEL, input: {} }, 'input.prompt'],
      [{ model: ECHO_MODEL, input: { prompt: 'x', stream: true } }, 'input.stream'],
      [{ model: ECHO_MODEL, input: { prompt: 'x' }, background: 'yes' }, 'background'],
      [{ model: ECHO_MODEL, input: { prompt: 'x' }, provider: 'other' }, 'provider'],
      [{ model: ECHO_MODEL, input: { prompt: 'x' }, stream: true }, 'stream'],
      [{ model: ECHO_MODEL, input: { text: 'embed me' }, background: true }, 'background'],
    ];
    for (const [body, param] of cases) {
      const { status, json } = await send(url, 'POST', RUN, body);
      assert.equal(status, 400, `${JSON.stringify(body)}: ${JSON.stringify(json)}`);
      const error = json.error as { param: string; type: string };
      assert.equal(error.param, param, JSON.stringify(body));
      assert.equal(error.type, 'invalid_request_error');
    }
    const unknown = await send(url, 'POST', RUN, { model: 'nobody/model', input: { prompt: 'x' } });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json.error as Json).param, 'model');
  });

  test('background: answers Queued with a runId at once; the poll answers Completed', async () => {
    const queued = await send(url, 'POST', RUN, {
      model: ECHO_MODEL,
      input: { messages: [{ role: 'user', content: 'slow and steady' }] },
      background: true,
    });
    assert.equal(queued.status, 200, JSON.stringify(queued.json));
    assert.equal(queued.json.state, 'Queued');
    const runId = queued.json.runId as string;
    assert.match(runId, /^run_/);
    const done = await ended(() => send(url, 'GET', `${RUN}/${runId}`));
    assert.equal(done.state, 'Completed', JSON.stringify(done));
    assert.equal((done.result as Json).response, 'echo: slow and steady');
    assert.deepEqual([done.runId, done.model, done.provider], [runId, ECHO_MODEL, 'echo']);

    const failed = await send(url, 'POST', RUN, {
      model: ECHO_MODEL,
      input: { prompt: 'fail' },
      background: true,
    });
    const outcome = await ended(() => send(url, 'GET', `${RUN}/${failed.json.runId as string}`));
    assert.equal(outcome.state, 'Failed');
    assert.match((outcome.error as { message: string }).message, /refused/);

    const missing = await send(url, 'GET', `${RUN}/run_0123abcd`);
    assert.equal(missing.status, 404);
    assert.equal((missing.json.error as Json).param, 'run_id');
  });

  test('a background run refused as it is queued fails as a run at once does: {state: Failed} with its status', async () => {
    const made = await send(url, 'POST', '/v1/gateways', {
      id: 'one-a-minute',
      rate_limit: { limit: 1, period: 60, technique: 'fixed' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const run = { model: ECHO_MODEL, input: { prompt: 'later' }, background: true };
    assert.equal((await send(url, 'POST', '/v1/acc/one-a-minute/run', run)).json.state, 'Queued');
    const refused = await send(url, 'POST', '/v1/acc/one-a-minute/run', run);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.state, 'Failed');
    assert.deepEqual([refused.json.model, refused.json.provider], [ECHO_MODEL, 'echo']);
    assert.match((refused.json.error as { message: string }).message, /Rate limit reached/);
  });
});

/** The database a server keeps its state in: SQLite in its data folder, or a fresh PostgreSQL schema. */
const BACKENDS: Array<[string, () => Promise<{ env: Record<string, string>; drop(): Promise<void> }>]> = [
  ['SQLite', async () => ({ env: {}, drop: async () => {} })],
  [
    'PostgreSQL',
    async () => {
      const { schema, drop } = await freshSchema();
      return { env: { PORTICO_DATABASE_URL: TEST_DATABASE_URL, PORTICO_DATABASE_SCHEMA: schema }, drop };
    },
  ],
];

for (const [backend, database] of BACKENDS)
  test(`${backend}: a background run outlives a restart, and is its owner's only`, async () => {
    const { env, drop } = await database();
    const upstream = await startEchoUpstream();
    const dataDir = mkdtempSync(join(tmpdir(), 'portico-run-restart-'));
    const configPath = join(dataDir, 'portico.yaml');
    writeFileSync(configPath, echoConfig(upstream.url));
    try {
      // The first server queues runs but runs none, then stops.
      const first = await startPortico({ configPath, dataDir, env, background: { run: false } });
      const base = first.server.url;
      const admin = await send(base, 'POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
      const bearer = (key: unknown) => ({ authorization: `Bearer ${String(key)}` });
      const adminAuth = bearer(admin.json.key);
      const alpha = bearer(
        (await send(base, 'POST', '/v1/keys', { name: 'a', project: 'alpha' }, adminAuth)).json.key,
      );
      const beta = bearer(
        (await send(base, 'POST', '/v1/keys', { name: 'b', project: 'beta' }, adminAuth)).json.key,
      );
      const queued = await send(
        base,
        'POST',
        RUN,
        { model: ECHO_MODEL, input: { prompt: 'later' }, background: true },
        alpha,
      );
      assert.equal(queued.status, 200, JSON.stringify(queued.json));
      const path = `${RUN}/${queued.json.runId as string}`;
      assert.equal((await send(base, 'GET', path, undefined, alpha)).json.state, 'Queued');
      await first.stop(true);

      const second = await startPortico({ configPath, dataDir, env });
      try {
        const done = await ended(() => send(second.server.url, 'GET', path, undefined, alpha));
        assert.equal(done.state, 'Completed', JSON.stringify(done));
        assert.equal((done.result as Json).response, 'echo: later');
        const theirs = await send(second.server.url, 'GET', path, undefined, beta);
        assert.equal(theirs.status, 404);
        assert.equal((theirs.json.error as Json).code, 'run_not_found');
      } finally {
        await second.stop(true);
      }
    } finally {
      await upstream.close();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
