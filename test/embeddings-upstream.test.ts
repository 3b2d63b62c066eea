import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';

const KEY = 'sk-test-portico-embeddings-secret';
const fixture = (name: string) => loadFixture(new URL(`./fixtures/embeddings/${name}.json`, import.meta.url));

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
        providers: {
          vectors: { type: 'chat-completions', base_url: upstream.url, api_key_env: 'EMBEDDING_KEY' },
        },
        models: [
          {
            id: 'vectors/small',
            provider: 'vectors',
            upstream_model: 'text-embedding-3-small',
            task: 'text-embeddings',
          },
        ],
        vector_stores: { embedding_model: 'vectors/small' },
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
