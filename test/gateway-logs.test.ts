import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAI } from '../src/index.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';
import { readEventStream } from './support/portico.ts';
import { scriptedModel } from './support/scripted-provider.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';

const SECRET = 'sk-portico-test-provider-key-1234567890abcdef';
const TEXT = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));

describe('logs, cost and analytics', () => {
  let upstream: ReplayServer;
  let gateway: GatewayUnderTest;
  let next: Fixture | undefined;
  const priced = { ...scriptedModel('test/priced', 'scripted'), pricing: { input: 3, output: 15 } };

  before(async () => {
    upstream = await startReplayServer(() => {
      const fixture = next ?? TEXT;
      next = undefined;
      return fixture;
    });
    gateway = await startGateway({
      config: {
        providers: {
          loop: { type: 'chat-completions', base_url: `${upstream.url}/v1`, api_key_env: 'LOOP_KEY' },
        },
        models: [
          { id: 'loop/model', provider: 'loop', context_window: 8000, pricing: { input: 1, output: 2 } },
        ],
        gateways: { default: {}, quiet: { collect_logs: false }, meta: { log_payloads: false } },
      },
      env: { LOOP_KEY: SECRET },
      models: [scriptedModel('test/echo', 'scripted'), priced],
      providers: new Map([['scripted', echoProvider('logged words')]]),
    });
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  test('a request is logged with its tokens, cost, timing, metadata and event id; the answer names the log', async () => {
    const answer = await gateway
      .client('unused', {
        'cf-aig-metadata': '{"user": "u1", "tier": 2, "beta": true}',
        'cf-aig-event-id': 'evt-1',
      })
      .responses.create({ model: 'test/priced', input: 'price me' })
      .withResponse();
    const logId = answer.response.headers.get('cf-aig-log-id');
    assert.ok(logId);
    assert.equal(
      answer.response.headers.get('cf-aig-request-id'),
      logId,
      'one step answered: the ids are one',
    );
    const log = await gateway.request('GET', `/v1/logs/${logId}`);
    assert.equal(log.status, 200);
    const entry = log.json;
    assert.equal(entry.model, 'test/priced');
    assert.equal(entry.provider, 'scripted');
    assert.equal(entry.gateway, 'default');
    assert.equal(entry.status_code, 200);
    assert.equal(entry.success, true);
    assert.equal(entry.response_id, answer.data.id);
    assert.equal(entry.tokens_in, 7);
    assert.equal(entry.tokens_out, answer.data.usage?.output_tokens);
    assert.equal(entry.cost, (7 * 3 + (answer.data.usage?.output_tokens ?? 0) * 15) / 1e6);
    assert.deepEqual(entry.metadata, { user: 'u1', tier: 2, beta: true });
    assert.equal(entry.event_id, 'evt-1');
    assert.equal(typeof entry.duration, 'number');
    assert.equal(typeof entry.time_to_first_token, 'number');
    assert.equal((entry.request as { input: string }).input, 'price me');
    assert.equal((entry.response as { id: string }).id, answer.data.id);
    assert.equal(entry.events, null, 'a JSON answer has no stream timeline: its events were never timed');
  });

  test('cf-aig-custom-cost replaces the price and the log says so', async () => {
    const answer = await gateway
      .client('unused', { 'cf-aig-custom-cost': '{"total_cost": 0.42}' })
      .responses.create({ model: 'test/priced', input: 'negotiated' })
      .withResponse();
    const log = await gateway.request('GET', `/v1/logs/${answer.response.headers.get('cf-aig-log-id')}`);
    assert.equal(log.json.cost, 0.42);
    assert.equal(log.json.custom_cost, true);
  });

  test('cf-aig-collect-log and the gateway decide what is kept', async () => {
    const quiet = await gateway
      .client('unused', { 'cf-aig-gateway-id': 'quiet' })
      .responses.create({ model: 'test/echo', input: 'q' })
      .withResponse();
    assert.equal(quiet.response.headers.get('cf-aig-log-id'), null);
    assert.match(
      quiet.response.headers.get('cf-aig-request-id') ?? '',
      /^log_/,
      'a request has its id, kept or not',
    );
    const forced = await gateway
      .client('unused', { 'cf-aig-gateway-id': 'quiet', 'cf-aig-collect-log': 'true' })
      .responses.create({ model: 'test/echo', input: 'q' })
      .withResponse();
    assert.ok(forced.response.headers.get('cf-aig-log-id'));
    const skipped = await gateway
      .client('unused', { 'cf-aig-collect-log': 'false' })
      .responses.create({ model: 'test/echo', input: 'q' })
      .withResponse();
    assert.equal(skipped.response.headers.get('cf-aig-log-id'), null);
    const metaOnly = await gateway
      .client('unused', { 'cf-aig-gateway-id': 'meta' })
      .responses.create({ model: 'test/echo', input: 'bodies stay out' })
      .withResponse();
    const log = await gateway.request('GET', `/v1/logs/${metaOnly.response.headers.get('cf-aig-log-id')}`);
    assert.equal(log.json.request, null);
    assert.equal(log.json.response, null);
    assert.ok((log.json.tokens_in as number) > 0, 'metadata is kept');
  });

  test('every entry point is logged: responses, chat, streams, Workers AI, the binding, failures', async () => {
    await gateway
      .client()
      .chat.completions.create({ model: 'test/echo', messages: [{ role: 'user', content: 'c' }] });
    const stream = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/echo', input: 's', stream: true }),
    });
    await readEventStream(stream.body!);
    await gateway.request('POST', '/client/v4/accounts/acct/ai/run/test/echo', { prompt: 'w' });
    await gateway.request('POST', '/v1/responses', { model: 'test/nope', input: 'x' });
    const paths = (await gateway.logs()).map((log) => `${log.path} ${log.statusCode}`);
    for (const expected of [
      'POST /v1/chat/completions 200',
      'POST /v1/responses 200',
      'POST /client/v4/accounts/:account/ai/run/:model{.+} 200',
      'POST /v1/responses 404',
    ])
      assert.ok(paths.includes(expected), `${expected} in ${paths.join(', ')}`);
    const streamed = (await gateway.logs()).find((log) => log.stream === true);
    assert.ok(streamed, 'a streamed request is logged as one');
    const timeline = (await gateway.request('GET', `/v1/logs/${streamed.id as string}`)).json
      .events as Array<{ type: string; at: number; count: number }>;
    assert.equal(timeline[0]?.type, 'response.created', 'the stream timeline is kept with the payload');
    assert.equal(timeline.at(-1)?.type, 'response.completed');
    assert.ok(
      timeline.every((entry, i) => i === 0 || entry.at >= timeline[i - 1]!.at),
      'in the order they left',
    );

    const ai = createAI({
      dataDir: gateway.dataDir,
      modelsDirs: [],
      env: {},
      recover: false,
      models: [scriptedModel('test/echo', 'scripted')],
      providers: new Map([['scripted', echoProvider()]]),
    });
    await ai.run(
      'test/echo',
      { input: 'from the binding' },
      { gateway: { id: 'default', metadata: { via: 'binding' } } },
    );
    const logId = ai.aiGatewayLogId;
    assert.ok(logId);
    const log = await ai.gateway('default').getLog(logId);
    assert.equal(log.path, 'binding');
    assert.ok(log.created_at instanceof Date);
    await ai.gateway('default').patchLog(logId, { feedback: 1, score: 90, metadata: { reviewed: true } });
    const patched = await ai.gateway('default').getLog(logId);
    assert.equal(patched.feedback, 1);
    assert.equal(patched.score, 90);
    assert.deepEqual(patched.metadata, { reviewed: true });
    await assert.rejects(ai.gateway('default').patchLog(logId, { feedback: 5 as 1 }), {
      status: 400,
      param: 'feedback',
    });
    // Through another gateway, the entry is not there: neither read nor annotated.
    await assert.rejects(ai.gateway('elsewhere').getLog(logId), { status: 404 });
    await assert.rejects(ai.gateway('elsewhere').patchLog(logId, { feedback: -1 }), { status: 404 });
    assert.equal((await ai.gateway('default').getLog(logId)).feedback, 1);
    const rest = `/client/v4/accounts/acct/ai-gateway/gateways`;
    assert.equal((await gateway.request('GET', `${rest}/default/logs/${logId}`)).status, 200);
    assert.equal((await gateway.request('GET', `${rest}/elsewhere/logs/${logId}`)).status, 404);
    await ai.close();
  });

  test('the log API filters, pages and orders; PATCH records feedback', async () => {
    for (let i = 0; i < 5; i++)
      await gateway.client().responses.create({ model: 'test/echo', input: `page ${i}` });
    const first = await gateway.request('GET', '/v1/logs?model=test/echo&limit=2&order=asc');
    assert.equal((first.json.data as unknown[]).length, 2);
    assert.equal(first.json.has_more, true);
    const second = await gateway.request(
      'GET',
      `/v1/logs?model=test/echo&limit=2&order=asc&after=${first.json.last_id}`,
    );
    const ids = [
      ...(first.json.data as Array<{ id: string }>),
      ...(second.json.data as Array<{ id: string }>),
    ].map((l) => l.id);
    assert.equal(new Set(ids).size, 4, 'pages do not overlap');
    const failures = await gateway.request('GET', '/v1/logs?success=false');
    assert.ok((failures.json.data as Array<{ success: boolean }>).every((l) => !l.success));
    const bad = await gateway.request('GET', '/v1/logs?limit=1000');
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { param: string }).param, 'limit');
    const patched = await gateway.request('PATCH', `/v1/logs/${first.json.first_id}`, {
      feedback: -1,
      score: 12.5,
    });
    assert.equal(patched.json.feedback, -1);
    assert.equal(patched.json.score, 12.5);
  });

  test('analytics: requests, tokens, cost, errors, cache hits and latency percentiles by bucket and dimension', async () => {
    const answer = await gateway.request('GET', '/v1/analytics?bucket=day&group_by=model');
    assert.equal(answer.status, 200);
    const rows = answer.json.data as Array<Record<string, number | string | null>>;
    const echo = rows.find((row) => row.group === 'test/echo');
    assert.ok(echo && (echo.requests as number) >= 5);
    assert.equal(typeof echo.latency_p50, 'number');
    assert.ok((echo.latency_p95 as number) >= (echo.latency_p50 as number));
    const errors = rows.reduce((sum, row) => sum + (row.errors as number), 0);
    assert.ok(errors >= 1, 'the 404 counts as an error');
    const priced = rows.find((row) => row.group === 'test/priced');
    assert.ok(priced && (priced.cost as number) > 0);

    // By a metadata key's values: what each user spent.
    const ada = { 'cf-aig-metadata': '{"user": "ada"}' };
    await gateway.request('POST', '/v1/responses', { model: 'test/priced', input: 'mine' }, ada);
    await gateway.server.runtime.gateway.flushLogs();
    const byUser = await gateway.request('GET', '/v1/analytics?bucket=range&group_by=metadata.user');
    const users = byUser.json.data as Array<{ group: string | null; requests: number; cost: number }>;
    const spent = users.find((row) => row.group === 'ada');
    assert.ok(spent && spent.requests === 1 && spent.cost > 0, JSON.stringify(users));
    assert.ok(
      users.some((row) => row.group === null && row.requests >= 5),
      'the rest have no user',
    );
    for (const group of ['metadata.', 'metadata.a%20b', 'colour']) {
      const refused = await gateway.request('GET', `/v1/analytics?group_by=${group}`);
      assert.equal(refused.status, 400, group);
      assert.equal((refused.json.error as { param: string }).param, 'group_by');
    }
  });

  test('the provider key never appears in a log, a body, an error or the database', async () => {
    await gateway.client().responses.create({ model: 'loop/model', input: 'through the upstream' });
    assert.equal(
      upstream.requests.at(-1)?.headers.authorization,
      `Bearer ${SECRET}`,
      'it did reach the upstream',
    );
    next = {
      provenance: 'An upstream that echoes the key it was sent, to prove Portico never passes it on.',
      status: 401,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: { message: `Incorrect API key provided: ${SECRET}`, type: 'invalid_request_error' },
      }),
    };
    const failed = await gateway.request('POST', '/v1/responses', { model: 'loop/model', input: 'leak?' });
    assert.ok(failed.status >= 400);
    assert.ok(!JSON.stringify(failed.json).includes(SECRET), 'not in the error');
    const logs = await gateway.request('GET', '/v1/logs?limit=100');
    assert.ok(!JSON.stringify(logs.json).includes(SECRET), 'not in the logs');
    for (const entry of (logs.json.data as Array<{ id: string }>).slice(0, 5)) {
      const one = await gateway.request('GET', `/v1/logs/${entry.id}`);
      assert.ok(!JSON.stringify(one.json).includes(SECRET));
    }
    const metrics = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
    assert.ok(!metrics.includes(SECRET));
    for (const file of readdirSync(gateway.dataDir))
      assert.ok(!readFileSync(join(gateway.dataDir, file)).includes(SECRET), `not in ${file}`);
  });

  test('/metrics counts requests, tokens and cost in Prometheus text format', async () => {
    const response = await fetch(`${gateway.url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /# TYPE portico_requests_total counter/);
    assert.match(
      text,
      /portico_requests_total\{gateway="default",model="test\/echo",provider="scripted",status="200",outcome="success",cache="none"\} \d+/,
    );
    assert.match(text, /portico_request_duration_seconds_bucket\{gateway="default",le="\+Inf"\} \d+/);
    assert.match(text, /portico_cost_usd_total\{[^}]*model="test\/priced"[^}]*\} [\d.e-]+/);
    assert.match(text, /^portico_processes 1$/m);
    assert.match(text, /^portico_resident_memory_bytes [1-9]\d+$/m);
  });
});
