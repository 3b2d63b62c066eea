// The PostgreSQL run needs PostgreSQL at 127.0.0.1:5432 (PORTICO_TEST_DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { sharedModelsDir, TINY_MODEL } from './support/portico.ts';
import { freshSchema, TEST_DATABASE_URL } from './support/postgres.ts';
import { projectClients } from './support/project-keys.ts';

const DOCS: Record<string, string> = {
  'lighthouse.md':
    '# The lighthouse\n\nThe lighthouse keeper climbs the tower every night and lights the lighthouse lamp, ' +
    'so that ships find the harbour in the fog.',
  'bakery.txt': 'The bakery opens at six. Bread, rolls and cakes are baked in the morning before sunrise.',
  'garden.html':
    '<html><head><style>p{color:red}</style><script>var lighthouse = 1;</script></head>' +
    '<body><h1>Garden</h1><p>Tomatoes &amp; beans grow in the garden in summer.</p></body></html>',
};

async function upload(client: OpenAI, name: string, text: string) {
  return client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'assistants' });
}

interface Backend {
  name: string;
  env: () => Promise<{ env: NodeJS.ProcessEnv; drop: () => Promise<void> }>;
}

const BACKENDS: Backend[] = [
  { name: 'sqlite', env: async () => ({ env: {}, drop: async () => undefined }) },
  {
    name: 'postgres',
    env: async () => {
      const { schema, drop } = await freshSchema();
      return { env: { PORTICO_DATABASE_URL: TEST_DATABASE_URL, PORTICO_DATABASE_SCHEMA: schema }, drop };
    },
  },
];

for (const backend of BACKENDS)
  describe(`Vector Stores through the official SDK (${backend.name}, full-text ranking)`, () => {
    let gateway: GatewayUnderTest;
    let alpha: OpenAI;
    let beta: OpenAI;
    let alphaKey: Record<string, string>;
    let drop: () => Promise<void>;

    before(async () => {
      const prepared = await backend.env();
      drop = prepared.drop;
      gateway = await startGateway({ env: prepared.env });
      const made = await projectClients(gateway, ['alpha', 'beta']);
      [alpha, beta, alphaKey] = [made.clients.alpha!, made.clients.beta!, made.headers.alpha!];
    });
    after(async () => {
      await gateway.stop();
      await drop();
    });

    test('create with files, search ranks the matching file first, files and content are listed', async () => {
      const files = await Promise.all(Object.entries(DOCS).map(([name, text]) => upload(alpha, name, text)));
      const store = await alpha.vectorStores.create({
        name: 'docs',
        metadata: { team: 'a' },
        file_ids: files.map((file) => file.id),
      });
      assert.deepEqual(
        [store.object, store.name, store.status, store.file_counts],
        [
          'vector_store',
          'docs',
          'completed',
          { in_progress: 0, completed: 3, failed: 0, cancelled: 0, total: 3 },
        ],
      );
      assert.ok(store.usage_bytes > 0);
      const page = await alpha.vectorStores.search(store.id, { query: 'Who lights the lighthouse lamp?' });
      const results = page.data;
      assert.equal(results[0]?.filename, 'lighthouse.md');
      assert.ok(results[0]!.score > 0 && results[0]!.score <= 1);
      assert.match(results[0]!.content[0]!.text, /keeper climbs the tower/);
      assert.ok(!results.some((result) => result.filename === 'garden.html'), 'script text is not indexed');
      const search = async (body: Record<string, unknown>) =>
        (await gateway.request('POST', `/v1/vector_stores/${store.id}/search`, body, alphaKey)).json as {
          search_query: string[];
          data: Array<{ filename: string }>;
        };
      const baked = await search({ query: 'baking bread', rewrite_query: true });
      assert.deepEqual([baked.data[0]?.filename, baked.search_query], ['bakery.txt', ['baking bread']]);
      const rewritten = await search({ query: 'What grows in the garden?', rewrite_query: true });
      assert.deepEqual(
        [rewritten.search_query, rewritten.data[0]?.filename],
        [['grows garden'], 'garden.html'],
      );
      const asked = await search({ query: ['garden', 'bakery'] });
      assert.deepEqual(asked.search_query, ['garden', 'bakery']);
      assert.deepEqual(asked.data.map((one) => one.filename).sort(), ['bakery.txt', 'garden.html']);
      const listed = await alpha.vectorStores.files.list(store.id, { order: 'asc' });
      assert.deepEqual(
        listed.data.map((file) => file.id),
        files.map((file) => file.id),
      );
      const content = await alpha.vectorStores.files.content(files[2]!.id, { vector_store_id: store.id });
      assert.match(content.data[0]!.text!, /^Garden\nTomatoes & beans grow in the garden in summer\.$/);
    });

    test('attributes filter search results; updates change them', async () => {
      const store = await alpha.vectorStores.create({ name: 'filtered' });
      const red = await upload(alpha, 'red.txt', 'A report about apples: the apples are red.');
      const green = await upload(alpha, 'green.txt', 'A report about apples: the apples are green.');
      await alpha.vectorStores.files.create(store.id, {
        file_id: red.id,
        attributes: { colour: 'red', year: 2024 },
      });
      const added = await alpha.vectorStores.files.create(store.id, {
        file_id: green.id,
        attributes: { colour: 'green', year: 2025 },
        chunking_strategy: {
          type: 'static',
          static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 50 },
        },
      });
      assert.deepEqual(
        [added.status, added.chunking_strategy],
        ['completed', { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 50 } }],
      );
      const names = async (filters: unknown) =>
        (
          await alpha.vectorStores.search(store.id, { query: 'apples report', filters: filters as never })
        ).data
          .map((result) => result.filename)
          .sort();
      assert.deepEqual(await names({ type: 'eq', key: 'colour', value: 'red' }), ['red.txt']);
      assert.deepEqual(await names({ type: 'gte', key: 'year', value: 2025 }), ['green.txt']);
      assert.deepEqual(await names({ type: 'in', key: 'colour', value: ['red', 'green'] }), [
        'green.txt',
        'red.txt',
      ]);
      assert.deepEqual(
        await names({
          type: 'and',
          filters: [
            { type: 'ne', key: 'colour', value: 'red' },
            { type: 'lt', key: 'year', value: 2026 },
          ],
        }),
        ['green.txt'],
      );
      await alpha.vectorStores.files.update(red.id, {
        vector_store_id: store.id,
        attributes: { colour: 'green' },
      });
      assert.deepEqual(await names({ type: 'eq', key: 'colour', value: 'green' }), ['green.txt', 'red.txt']);
      const one = await alpha.vectorStores.search(store.id, { query: 'apples', max_num_results: 1 });
      assert.equal(one.data.length, 1);
      const strict = await alpha.vectorStores.search(store.id, {
        query: 'apples',
        ranking_options: { score_threshold: 0.99 },
      });
      assert.ok(strict.data.every((result) => result.score >= 0.99));
      assert.ok(strict.data.length < 2);
    });

    test('an unreadable file fails with last_error; batches count their files; deletes remove them', async () => {
      const store = await alpha.vectorStores.create({ name: 'mixed' });
      const pdf = await upload(alpha, 'scan.pdf', '%PDF-1.7 binary');
      const failed = await alpha.vectorStores.files.create(store.id, { file_id: pdf.id });
      assert.equal(failed.status, 'failed');
      assert.equal(failed.last_error?.code, 'unsupported_file');
      const notes = await Promise.all([1, 2].map((n) => upload(alpha, `note${n}.txt`, `Note number ${n}.`)));
      const batch = await alpha.vectorStores.fileBatches.create(store.id, {
        file_ids: notes.map((n) => n.id),
      });
      assert.deepEqual(
        [batch.object, batch.status, batch.file_counts.completed],
        ['vector_store.files_batch', 'completed', 2],
      );
      assert.deepEqual(
        await alpha.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id }),
        batch,
      );
      const inBatch = await alpha.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id });
      assert.deepEqual(inBatch.data.map((f) => f.id).sort(), notes.map((n) => n.id).sort());
      const cancelled = await alpha.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: store.id });
      assert.equal(cancelled.status, 'completed', 'a finished batch stays finished');
      const onlyFailed = await alpha.vectorStores.files.list(store.id, { filter: 'failed' });
      assert.deepEqual(
        onlyFailed.data.map((f) => f.id),
        [pdf.id],
      );
      const counts = (await alpha.vectorStores.retrieve(store.id)).file_counts;
      assert.deepEqual(counts, { in_progress: 0, completed: 2, failed: 1, cancelled: 0, total: 3 });
      const deleted = await alpha.vectorStores.files.delete(notes[0]!.id, { vector_store_id: store.id });
      assert.deepEqual(deleted, { id: notes[0]!.id, object: 'vector_store.file.deleted', deleted: true });
      assert.equal((await alpha.vectorStores.search(store.id, { query: 'note number' })).data.length, 1);
      await alpha.files.delete(notes[1]!.id);
      assert.equal((await alpha.vectorStores.search(store.id, { query: 'note number' })).data.length, 0);
      await assert.rejects(alpha.vectorStores.files.retrieve(notes[1]!.id, { vector_store_id: store.id }), {
        status: 404,
      });
      const updated = await alpha.vectorStores.update(store.id, {
        name: 'renamed',
        expires_after: { anchor: 'last_active_at', days: 7 },
      });
      assert.deepEqual([updated.name, updated.expires_after?.days], ['renamed', 7]);
      assert.ok(updated.expires_at! > updated.created_at);
      const gone = await alpha.vectorStores.delete(store.id);
      assert.deepEqual(gone, { id: store.id, object: 'vector_store.deleted', deleted: true });
      await assert.rejects(alpha.vectorStores.retrieve(store.id), { status: 404 });
    });

    test("another project's key gets a 404 for the store and everything in it", async () => {
      const file = await upload(alpha, 'secret.txt', 'The secret recipe uses saffron.');
      const store = await alpha.vectorStores.create({ name: 'secret', file_ids: [file.id] });
      for (const attempt of [
        () => beta.vectorStores.retrieve(store.id),
        () => beta.vectorStores.update(store.id, { name: 'x' }),
        () => beta.vectorStores.delete(store.id),
        () => beta.vectorStores.search(store.id, { query: 'saffron' }),
        () => beta.vectorStores.files.list(store.id),
        () => beta.vectorStores.files.retrieve(file.id, { vector_store_id: store.id }),
        () => beta.vectorStores.files.content(file.id, { vector_store_id: store.id }),
        () => beta.vectorStores.files.delete(file.id, { vector_store_id: store.id }),
      ])
        await assert.rejects(attempt(), { status: 404 });
      const own = await upload(beta, 'mine.txt', 'mine');
      await assert.rejects(beta.vectorStores.files.create(store.id, { file_id: own.id }), { status: 404 });
      const other = await beta.vectorStores.create({ name: 'beta' });
      await assert.rejects(beta.vectorStores.files.create(other.id, { file_id: file.id }), {
        status: 400,
        param: 'file_id',
      });
      assert.ok(!(await beta.vectorStores.list()).data.some((one) => one.id === store.id));
      assert.equal((await alpha.vectorStores.search(store.id, { query: 'saffron' })).data.length, 1);
    });

    test('lists stores with limit, order, after and before; bad input is a 400 naming it', async () => {
      const made: string[] = [];
      for (const n of [1, 2, 3]) made.push((await beta.vectorStores.create({ name: `page ${n}` })).id);
      const asc = await beta.vectorStores.list({ order: 'asc', limit: 100 });
      const ids = asc.data.map((one) => one.id).filter((id) => made.includes(id));
      assert.deepEqual(ids, made);
      const next = await beta.vectorStores.list({ order: 'asc', after: made[0]!, limit: 1 });
      assert.deepEqual([next.data[0]?.id, next.has_more], [made[1], true]);
      const back = await beta.vectorStores.list({ order: 'desc', before: made[0]! });
      assert.ok(back.data.every((one) => one.id !== made[0]));
      for (const [call, param] of [
        [
          () => beta.vectorStores.create({ expires_after: { anchor: 'created_at' as never, days: 1 } }),
          'expires_after.anchor',
        ],
        [() => beta.vectorStores.search(made[0]!, { query: '' }), 'query'],
        [() => beta.vectorStores.search(made[0]!, { query: 'x', max_num_results: 51 }), 'max_num_results'],
        [() => beta.vectorStores.files.create(made[0]!, { file_id: 'file_nope' }), 'file_id'],
        [
          () =>
            beta.vectorStores.files.create(made[0]!, {
              file_id: 'file_nope',
              chunking_strategy: {
                type: 'static',
                static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 60 },
              },
            }),
          'chunking_strategy.static',
        ],
        [() => beta.vectorStores.list({ after: 'vs_unknown' }), 'after'],
      ] as const)
        await assert.rejects(call(), (error: { status: number; param: string }) => {
          assert.deepEqual([error.status, error.param], [400, param]);
          return true;
        });
    });
  });

describe('embeddings: /v1/embeddings and hybrid ranking with the local model', () => {
  let gateway: GatewayUnderTest;
  let client: OpenAI;

  before(async () => {
    gateway = await startGateway({
      modelsDirs: [sharedModelsDir],
      config: { vector_stores: { embedding_model: TINY_MODEL } },
    });
    client = gateway.client();
  });
  after(() => gateway.stop());

  test('float and base64 encodings agree; strings, lists and token arrays; usage counts tokens', async () => {
    const floats = await client.embeddings.create({
      model: TINY_MODEL,
      input: ['Once upon a time', 'a cat'],
    });
    assert.deepEqual([floats.object, floats.model, floats.data.length], ['list', TINY_MODEL, 2]);
    assert.equal(floats.data[0]!.embedding.length, 64);
    assert.ok(floats.usage.prompt_tokens > 0);
    assert.equal(floats.usage.total_tokens, floats.usage.prompt_tokens);
    const raw = await gateway.request('POST', '/v1/embeddings', {
      model: TINY_MODEL,
      input: 'Once upon a time',
      encoding_format: 'base64',
    });
    const encoded = (raw.json.data as Array<{ embedding: string }>)[0]!.embedding;
    const decoded = [...new Float32Array(Uint8Array.from(Buffer.from(encoded, 'base64')).buffer)];
    assert.deepEqual(
      decoded,
      floats.data[0]!.embedding.map((value) => Math.fround(value)),
    );
    const sdkBase64 = await client.embeddings.create({ model: TINY_MODEL, input: 'Once upon a time' });
    assert.deepEqual(sdkBase64.data[0]!.embedding, decoded, 'the SDK asks for base64 and decodes it');
    const tokens = await client.embeddings.create({
      model: TINY_MODEL,
      input: [
        [1, 400, 300],
        [1, 5],
      ],
    });
    assert.deepEqual([tokens.data.length, tokens.usage.prompt_tokens], [2, 5]);
    for (const [body, param] of [
      [{ model: TINY_MODEL, input: '' }, 'input'],
      [{ model: TINY_MODEL, input: [[1, 99_999]] }, 'input[0]'],
      [{ model: TINY_MODEL, input: 'x', dimensions: 8 }, 'dimensions'],
      [{ model: 'no/such-model', input: 'x' }, 'model'],
      [{ model: TINY_MODEL, input: 'x', extra: 1 }, 'extra'],
    ] as const) {
      const refused = await gateway.request('POST', '/v1/embeddings', body);
      assert.ok([400, 404].includes(refused.status), JSON.stringify(refused.json));
      assert.equal((refused.json.error as { param: string }).param, param);
    }
  });

  test('vector stores embed chunks with the configured model and fuse both rankings', async () => {
    const files = await Promise.all(Object.entries(DOCS).map(([name, text]) => upload(client, name, text)));
    const store = await client.vectorStores.create({ file_ids: files.map((file) => file.id) });
    assert.equal(store.file_counts.completed, 3);
    const both = await client.vectorStores.search(store.id, { query: 'lighthouse lamp' });
    assert.equal(both.data[0]?.filename, 'lighthouse.md');
    assert.ok(both.data.every((result) => result.score > 0 && result.score <= 1));
    assert.equal(both.data.length, 3, 'embedding similarity ranks every chunk');
    const textOnly = await client.vectorStores.search(store.id, {
      query: 'lighthouse lamp',
      ranking_options: { ranker: 'none' },
    });
    assert.deepEqual(
      textOnly.data.map((result) => result.filename),
      ['lighthouse.md'],
    );
    const embeddingOnly = await client.vectorStores.search(store.id, {
      query: 'lighthouse lamp',
      ranking_options: { hybrid_search: { text_weight: 0, embedding_weight: 1 } } as never,
    });
    assert.equal(embeddingOnly.data.length, 3);
    assert.ok(embeddingOnly.data.every((result, i, all) => i === 0 || all[i - 1]!.score >= result.score));
  });
});
