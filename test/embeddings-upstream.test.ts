import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { createAI } from '../src/index.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';

const KEY = 'sk-test-portico-embeddings-secret';
const fixture = (name: string) => loadFixture(new URL(`./fixtures/embeddings/${name}.json`, import.meta.url));

/** A provider on the replayed upstream and its embedding model, `vectors/small`. */
function embeddingConfig(url: string, model: Record<string, unknown> = {}) {
  return {
    providers: { vectors: { type: 'chat-completions', base_url: url, api_key_env: 'EMBEDDING_KEY' } },
    models: [
      {
        id: 'vectors/small',
        provider: 'vectors',
        upstream_model: 'text-embedding-3-small',
        task: 'text-embeddings',
        ...model,
      },
    ],
  };
}

describe('embedding models on an OpenAI-compatible upstream (replayed)', () => {
  let upstream: ReplayServer;
  let gateway: GatewayUnderTest;
  let client: OpenAI;
  let answerWith: string | undefined;

  before(async () => {
    upstream = await startReplayServer((request) => {
      if (answerWith) return fixture(answerWith);
      const input = (request.json as { input: unknown[] }).input;
      return fixture(input.length === 1 ? 'one-input' : 'two-inputs');
    });
    gateway = await startGateway({
      env: { EMBEDDING_KEY: KEY },
      config: {
        ...embeddingConfig(upstream.url),
        vector_stores: { embedding_model: 'vectors/small' },
        gateways: {
          default: {},
          cards: { dlp: { enabled: true, action: 'BLOCK', profiles: ['credit_card'] } },
          watched: { dlp: { enabled: true, action: 'FLAG', profiles: ['credit_card'] } },
        },
      },
    });
    client = gateway.client();
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  test('/v1/embeddings forwards the request and answers in OpenAI shape', async () => {
    upstream.requests.length = 0;
    const answer = await client.embeddings.create({
      model: 'vectors/small',
      input: ['first text', 'second text'],
      dimensions: 4,
      encoding_format: 'float',
    });
    assert.deepEqual(
      answer.data.map((one) => one.embedding),
      [
        [0.5, -0.5, 0.5, -0.5],
        [0.1, 0.2, 0.3, 0.4],
      ],
    );
    assert.deepEqual(answer.usage, { prompt_tokens: 9, total_tokens: 9 });
    const sent = upstream.requests[0]!;
    assert.equal(sent.url, '/embeddings');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(sent.json, {
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
      encoding_format: 'float',
      dimensions: 4,
    });
  });

  test('a text-generation model is refused; a refused upstream key is a 502 that hides the key', async () => {
    const refused = await gateway.request('POST', '/v1/embeddings', {
      model: 'openai/gpt-5.4-pro',
      input: 'x',
    });
    assert.ok([400].includes(refused.status), JSON.stringify(refused.json));
    answerWith = 'http-401';
    try {
      const failed = await gateway.request('POST', '/v1/embeddings', { model: 'vectors/small', input: 'x' });
      // The provider's key is Portico's, not the client's: a 502 saying so, as for every upstream.
      assert.equal(failed.status, 502);
      assert.ok(!JSON.stringify(failed.json).includes('cret'), 'no part of the key comes back');
    } finally {
      answerWith = undefined;
    }
  });

  test('DLP reads what is embedded: a block never reaches the upstream, a flag is answered', async () => {
    upstream.requests.length = 0;
    const card = { model: 'vectors/small', input: ['fine', 'pay with 4111 1111 1111 1111'] };
    const blocked = await gateway.request('POST', '/v1/embeddings', card, { 'cf-aig-gateway-id': 'cards' });
    assert.equal(blocked.status, 400);
    assert.equal((blocked.json.error as { code: string }).code, '2029');
    assert.equal(upstream.requests.length, 0, 'the upstream was never called');
    const flagged = await gateway.request('POST', '/v1/embeddings', card, { 'cf-aig-gateway-id': 'watched' });
    assert.equal(flagged.status, 200);
    assert.match(flagged.headers.get('cf-aig-dlp') ?? '', /credit_card/);
    assert.equal(upstream.requests.length, 1);
  });

  test('vector stores embed each chunk and the query through the upstream', async () => {
    upstream.requests.length = 0;
    const file = await client.files.create({
      file: await toFile(Buffer.from('Embeddings make search find meaning, not only words.'), 'notes.md'),
      purpose: 'assistants',
    });
    const store = await client.vectorStores.create({ file_ids: [file.id] });
    assert.equal(store.file_counts.completed, 1);
    const found = await client.vectorStores.search(store.id, { query: 'meaning' });
    assert.equal(found.data[0]?.filename, 'notes.md');
    assert.deepEqual(
      upstream.requests.map((request) => (request.json as { input: string[] }).input),
      [['Embeddings make search find meaning, not only words.'], ['meaning']],
    );
    answerWith = 'http-401';
    try {
      const broken = await client.vectorStores.files.create(store.id, { file_id: file.id });
      assert.deepEqual([broken.status, broken.last_error?.code], ['failed', 'server_error']);
      assert.ok(!JSON.stringify(broken).includes('cret'));
    } finally {
      answerWith = undefined;
    }
  });
});

describe('the vector stores embedding model in the config', () => {
  test('a model that is not in the catalog stops the start with the setting named', async () => {
    await assert.rejects(
      startGateway({ config: { vector_stores: { embedding_model: 'local/no-such-model' } } }),
      /vector_stores\.embedding_model \(or PORTICO_EMBEDDING_MODEL\): names no model: 'local\/no-such-model'/,
    );
  });
});

describe('embeddings through the gateway: limits, logs and cost, as a response has', () => {
  let upstream: ReplayServer;
  let gateway: GatewayUnderTest;
  let admin: string;

  before(async () => {
    upstream = await startReplayServer((request) => {
      const input = (request.json as { input: unknown[] }).input;
      return fixture(input.length === 1 ? 'one-input' : 'two-inputs');
    });
    gateway = await startGateway({
      env: { EMBEDDING_KEY: KEY },
      config: {
        // $100 per million input tokens: 9 tokens cost $0.0009.
        ...embeddingConfig(upstream.url, { pricing: { input: 100, output: 0 } }),
        gateways: { default: {}, tight: { rate_limit: { limit: 1, period: 60 } }, rest: {} },
      },
    });
    const created = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    admin = created.json.key as string;
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  test('an embedding is logged with its model, tokens and cost, and its answer names the entry', async () => {
    const body = { model: 'vectors/small', input: ['first text', 'second text'] };
    const answer = await gateway.request('POST', '/v1/embeddings', body, {
      authorization: `Bearer ${admin}`,
      'cf-aig-metadata': '{"team": "search"}',
    });
    assert.equal(answer.status, 200);
    const logId = answer.headers.get('cf-aig-log-id');
    const entry = (await gateway.logs()).find((one) => one.id === logId);
    assert.ok(entry, 'the answer names its log entry');
    assert.equal(entry.path, 'POST /v1/embeddings');
    assert.equal(entry.model, 'vectors/small');
    assert.equal(entry.provider, 'vectors');
    assert.equal(entry.statusCode, 200);
    assert.equal(entry.success, true);
    assert.equal(entry.tokensIn, 9);
    assert.equal(entry.tokensOut, 0);
    assert.ok(Math.abs((entry.cost as number) - 0.0009) < 1e-12, String(entry.cost));
    assert.deepEqual(entry.metadata, { team: 'search' });
    const log = (
      await gateway.request('GET', `/v1/logs/${logId}`, undefined, { authorization: `Bearer ${admin}` })
    ).json;
    assert.equal(log.model_type, 'Text Embeddings');
    assert.deepEqual(log.request, body);
    assert.deepEqual((log.response as { usage: unknown }).usage, { prompt_tokens: 9, total_tokens: 9 });
  });

  test("a key's budget and rate limit count embeddings; a refused one is logged and named", async () => {
    const created = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'frugal', budget: { limit_usd: 0.0001, period: 86400 } },
      { authorization: `Bearer ${admin}` },
    );
    const frugal = gateway.client(created.json.key as string);
    await frugal.embeddings.create({ model: 'vectors/small', input: ['first text', 'second text'] });
    await gateway.server.runtime.gateway.flushLogs();
    await assert.rejects(frugal.embeddings.create({ model: 'vectors/small', input: 'again' }), {
      status: 429,
      code: 'budget_exceeded',
    });

    const tight = { authorization: `Bearer ${admin}`, 'cf-aig-gateway-id': 'tight' };
    const once = { model: 'vectors/small', input: 'once' };
    assert.equal((await gateway.request('POST', '/v1/embeddings', once, tight)).status, 200);
    const refused = await gateway.request('POST', '/v1/embeddings', once, tight);
    assert.equal(refused.status, 429);
    assert.equal((refused.json.error as { code: string }).code, 'rate_limit_exceeded');
    const logged = (await gateway.logs()).filter((one) => one.gateway === 'tight');
    assert.deepEqual(
      logged.map((one) => one.statusCode),
      [200, 429],
    );
    assert.equal(refused.headers.get('cf-aig-log-id'), logged[1]!.id);
  });

  test("Workers AI's run embeds {text} as Workers AI answers, over REST, AI Gateway's path and the binding", async () => {
    const rest = await gateway.request(
      'POST',
      '/client/v4/accounts/acct/ai/run/vectors/small',
      { text: ['first text', 'second text'] },
      { authorization: `Bearer ${admin}` },
    );
    assert.equal(rest.status, 200, JSON.stringify(rest.json));
    assert.deepEqual(rest.json.result, {
      shape: [2, 4],
      data: [
        [0.5, -0.5, 0.5, -0.5],
        [0.1, 0.2, 0.3, 0.4],
      ],
    });
    const entry = (await gateway.logs()).find((one) => one.id === rest.headers.get('cf-aig-log-id'));
    assert.deepEqual([entry?.model, entry?.tokensIn], ['vectors/small', 9]);
    const viaGateway = await gateway.request(
      'POST',
      '/v1/acct/default/workers-ai/vectors/small',
      { text: 'first text' },
      { authorization: `Bearer ${admin}` },
    );
    assert.deepEqual((viaGateway.json.result as { shape: number[] }).shape, [1, 4]);
    const refused = await gateway.request(
      'POST',
      '/client/v4/accounts/acct/ai/run/vectors/small',
      { text: 'x', pooling: 'cls' },
      { authorization: `Bearer ${admin}` },
    );
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.json), /pooling/);

    const ai = createAI({
      dataDir: mkdtempSync(join(tmpdir(), 'portico-embed-binding-')),
      env: { EMBEDDING_KEY: KEY },
      config: embeddingConfig(upstream.url),
    });
    try {
      const answer = await ai.run('vectors/small', { text: 'first text' });
      assert.deepEqual(answer, { shape: [1, 4], data: [[0.25, 0.5, -0.25, 0.75]] });
      assert.ok(ai.aiGatewayLogId, 'the binding names the log entry');
      assert.equal((await ai.gateway('default').getLog(ai.aiGatewayLogId)).model_type, 'Text Embeddings');
    } finally {
      await ai.close();
    }
  });

  test("AI Gateway's provider path embeds with the provider's own model name, in the path's gateway", async () => {
    const answer = await gateway.request(
      'POST',
      '/v1/account/default/vectors/embeddings',
      { model: 'small', input: 'first text' },
      { authorization: `Bearer ${admin}` },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.deepEqual(
      (answer.json.data as Array<{ embedding: number[] }>)[0]!.embedding,
      [0.25, 0.5, -0.25, 0.75],
    );
    const entry = (await gateway.logs()).find((one) => one.id === answer.headers.get('cf-aig-log-id'));
    assert.equal(entry?.path, 'POST /v1/:account/:gateway/:provider/embeddings');
    assert.equal(entry?.model, 'vectors/small');

    // Workers AI's REST API has OpenAI's embeddings too, in the gateway cf-aig-gateway-id names.
    const rest = await gateway.request(
      'POST',
      '/client/v4/accounts/acct/ai/v1/embeddings',
      { model: 'vectors/small', input: 'first text' },
      { authorization: `Bearer ${admin}`, 'cf-aig-gateway-id': 'rest' },
    );
    assert.equal(rest.status, 200, JSON.stringify(rest.json));
    assert.equal((rest.json.data as unknown[]).length, 1);
    const logged = (await gateway.logs()).find((one) => one.id === rest.headers.get('cf-aig-log-id'));
    assert.equal(logged?.gateway, 'rest');
  });
});
