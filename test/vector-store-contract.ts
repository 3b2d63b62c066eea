import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api/errors.ts';
import { chunkingStrategy } from '../src/api/vector-stores.ts';
import type {
  NewVectorStore,
  VectorStoreFileObject,
  VectorStoreStore,
} from '../src/store/vector-store-store.ts';
import type { StoreUnderTest } from './store-contract.ts';

const ALICE = 'proj_alice';
const BOB = 'proj_bob';
const NOW = Math.floor(Date.now() / 1000);

function vectorStore(id: string, extra: Partial<NewVectorStore> = {}): NewVectorStore {
  return { id, name: id, created_at: NOW, last_active_at: NOW, metadata: {}, expires_at: null, ...extra };
}

/** A file just added to a vector store, in progress. */
export function vsFile(
  vectorStoreId: string,
  id: string,
  attributes: VectorStoreFileObject['attributes'] = null,
) {
  const file: VectorStoreFileObject = {
    id,
    object: 'vector_store.file',
    vector_store_id: vectorStoreId,
    created_at: NOW,
    status: 'in_progress',
    last_error: null,
    attributes,
    chunking_strategy: chunkingStrategy(undefined),
    usage_bytes: 0,
  };
  return file;
}

const ids = (objects: ReadonlyArray<{ id: string }>) => objects.map((one) => one.id);

/** Every item of every page. */
export async function allPages<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** The behaviour every VectorStoreStore backend owes; each test gets a fresh, empty store. */
export function describeVectorStoreStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`VectorStoreStore contract: ${name}`, () => {
    let handle: StoreUnderTest;
    let store: VectorStoreStore;
    beforeEach(async () => {
      handle = await open();
      store = handle.stores.vectorStores;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    async function addCompleted(
      vs: string,
      file: string,
      texts: string[],
      attributes = null as VectorStoreFileObject['attributes'],
    ) {
      assert.equal(await store.addFile(vsFile(vs, file, attributes), `${file}.txt`, null, ALICE), true);
      const chunks = texts.map((text, n) => ({ text, embedding: new Float32Array([n, 1, -1]) }));
      return store.finishFile(vs, file, { status: 'completed', chunks, embeddingModel: 'm' }, ALICE);
    }

    test('create, get, update, touch and delete; every method scoped to the owner', async () => {
      await store.create(vectorStore('vs_1', { metadata: { k: 'v' } }), ALICE);
      const got = await store.get('vs_1', ALICE);
      assert.deepEqual(
        [got?.object, got?.name, got?.status, got?.metadata, got?.file_counts.total, got?.usage_bytes],
        ['vector_store', 'vs_1', 'completed', { k: 'v' }, 0, 0],
      );
      assert.equal(await store.get('vs_1', BOB), undefined);
      assert.equal(await store.update('vs_1', { name: 'x' }, BOB), undefined);
      assert.equal(await store.addFile(vsFile('vs_1', 'file_1'), 'a.txt', null, BOB), false);
      assert.equal(await store.listFiles('vs_1', BOB, { limit: 10, order: 'asc' }), undefined);
      assert.equal(
        await store.createBatch({ id: 'vsfb_1', vector_store_id: 'vs_1', created_at: NOW }, BOB),
        false,
      );
      const updated = await store.update(
        'vs_1',
        { name: 'renamed', expires_after: { anchor: 'last_active_at', days: 2 } },
        ALICE,
      );
      assert.deepEqual(
        [updated?.name, updated?.expires_after, updated?.expires_at],
        ['renamed', { anchor: 'last_active_at', days: 2 }, NOW + 2 * 86_400],
      );
      await store.touch('vs_1', NOW + 100, ALICE);
      const touched = await store.get('vs_1', ALICE);
      assert.deepEqual([touched?.last_active_at, touched?.expires_at], [NOW + 100, NOW + 100 + 2 * 86_400]);
      const cleared = await store.update('vs_1', { expires_after: null }, ALICE);
      assert.deepEqual([cleared?.expires_after, cleared?.expires_at], [undefined, null]);
      assert.equal(await store.delete('vs_1', BOB), false);
      assert.equal(await store.delete('vs_1', ALICE), true);
      assert.equal(await store.get('vs_1', ALICE), undefined);
    });

    test('a store past its expires_at is expired', async () => {
      await store.create(
        vectorStore('vs_old', { expires_at: NOW - 1, expires_after: { anchor: 'last_active_at', days: 1 } }),
        ALICE,
      );
      assert.equal((await store.get('vs_old', ALICE))?.status, 'expired');
    });

    test('lists stores in pages with after and before, in both orders', async () => {
      for (const n of [1, 2, 3, 4]) await store.create(vectorStore(`vs_${n}`), ALICE);
      await store.create(vectorStore('vs_bob'), BOB);
      const first = await store.list(ALICE, { limit: 2, order: 'asc' });
      assert.deepEqual([ids(first.data), first.has_more, first.last_id], [['vs_1', 'vs_2'], true, 'vs_2']);
      assert.deepEqual(ids((await store.list(ALICE, { limit: 5, order: 'asc', after: 'vs_2' })).data), [
        'vs_3',
        'vs_4',
      ]);
      assert.deepEqual(ids((await store.list(ALICE, { limit: 5, order: 'desc' })).data), [
        'vs_4',
        'vs_3',
        'vs_2',
        'vs_1',
      ]);
      assert.deepEqual(ids((await store.list(ALICE, { limit: 5, order: 'desc', before: 'vs_2' })).data), [
        'vs_4',
        'vs_3',
      ]);
      await assert.rejects(
        store.list(ALICE, { limit: 2, order: 'asc', after: 'vs_bob' }),
        (error: unknown) => error instanceof ApiError && error.status === 400 && error.param === 'after',
      );
    });

    test('files: added in progress, finished with chunks or an error, counted, listed, updated, deleted', async () => {
      await store.create(vectorStore('vs_1'), ALICE);
      const done = await addCompleted('vs_1', 'file_a', ['alpha text', 'beta text'], { lang: 'en' });
      assert.deepEqual(
        [done?.status, done?.attributes, done?.last_error],
        ['completed', { lang: 'en' }, null],
      );
      assert.ok(done!.usage_bytes > 0);
      await store.addFile(vsFile('vs_1', 'file_b'), 'b.bin', null, ALICE);
      assert.equal((await store.get('vs_1', ALICE))?.status, 'in_progress');
      const error = { code: 'unsupported_file' as const, message: 'cannot read' };
      const failed = await store.finishFile('vs_1', 'file_b', { status: 'failed', error }, ALICE);
      assert.deepEqual([failed?.status, failed?.last_error], ['failed', error]);
      const again = await store.finishFile('vs_1', 'file_b', { status: 'cancelled' }, ALICE);
      assert.equal(again?.status, 'failed', 'a finished file stays as it is');
      const vs = await store.get('vs_1', ALICE);
      assert.deepEqual(vs?.file_counts, { in_progress: 0, completed: 1, failed: 1, cancelled: 0, total: 2 });
      assert.equal(vs?.usage_bytes, done!.usage_bytes);
      assert.equal(vs?.status, 'completed');
      const completed = await store.listFiles('vs_1', ALICE, {
        limit: 10,
        order: 'asc',
        filter: 'completed',
      });
      assert.deepEqual(ids(completed!.data), ['file_a']);
      assert.deepEqual(ids((await store.listFiles('vs_1', ALICE, { limit: 10, order: 'desc' }))!.data), [
        'file_b',
        'file_a',
      ]);
      assert.deepEqual(await store.fileChunks('vs_1', 'file_a', ALICE), ['alpha text', 'beta text']);
      assert.equal(await store.fileChunks('vs_1', 'file_a', BOB), undefined);
      assert.deepEqual((await store.updateFile('vs_1', 'file_a', { lang: 'fr' }, ALICE))?.attributes, {
        lang: 'fr',
      });
      assert.equal(await store.updateFile('vs_1', 'file_a', null, BOB), undefined);
      assert.equal(await store.deleteFile('vs_1', 'file_a', BOB), false);
      assert.equal(await store.deleteFileEverywhere('file_a', BOB), 0);
      assert.equal(await store.deleteFile('vs_1', 'file_a', ALICE), true);
      assert.equal(await store.getFile('vs_1', 'file_a', ALICE), undefined);
      const scope = { vectorStoreIds: ['vs_1'], owner: ALICE };
      assert.deepEqual(
        await store.textSearch(scope, ['alpha'], 10),
        [],
        "a removed file's chunks are gone from search",
      );
    });

    test('a file of many chunks is written, found and removed whole, and so is its store', async () => {
      await store.create(vectorStore('vs_1'), ALICE);
      const texts = Array.from({ length: 700 }, (_, n) => `common chunk number ${n}`);
      const done = await addCompleted('vs_1', 'file_big', texts);
      assert.equal(done?.status, 'completed');
      assert.deepEqual(await store.fileChunks('vs_1', 'file_big', ALICE), texts, 'every chunk, in order');
      const scope = { vectorStoreIds: ['vs_1'], owner: ALICE };
      assert.equal((await store.textSearch(scope, ['common'], 1000)).length, 700);
      const again = await addCompleted('vs_1', 'file_big', texts.slice(0, 3));
      assert.equal(again?.status, 'completed');
      assert.deepEqual(
        await store.fileChunks('vs_1', 'file_big', ALICE),
        texts.slice(0, 3),
        'replaced whole',
      );
      await addCompleted('vs_1', 'file_big', texts);
      assert.equal(await store.deleteFile('vs_1', 'file_big', ALICE), true);
      assert.deepEqual(await store.textSearch(scope, ['common'], 1000), []);
      await addCompleted('vs_1', 'file_big', texts);
      assert.equal(await store.deleteFileEverywhere('file_big', ALICE), 1);
      assert.deepEqual(await store.textSearch(scope, ['common'], 1000), []);
      await addCompleted('vs_1', 'file_big', texts);
      assert.equal(await store.delete('vs_1', ALICE), true);
      assert.equal(await store.fileChunks('vs_1', 'file_big', ALICE), undefined);
      assert.deepEqual(await store.textSearch(scope, ['common'], 1000), []);
    });

    test('a file cancelled while its chunks are written ends completed with all or cancelled with none', async () => {
      await store.create(vectorStore('vs_1'), ALICE);
      await store.createBatch({ id: 'vsfb_1', vector_store_id: 'vs_1', created_at: NOW }, ALICE);
      await store.addFile(vsFile('vs_1', 'file_big'), 'big.txt', 'vsfb_1', ALICE);
      const chunks = Array.from({ length: 700 }, (_, n) => ({ text: `chunk ${n}` }));
      const finishing = store.finishFile(
        'vs_1',
        'file_big',
        { status: 'completed', chunks, embeddingModel: null },
        ALICE,
      );
      await store.cancelBatch('vs_1', 'vsfb_1', ALICE);
      const file = await finishing;
      const stored = await store.fileChunks('vs_1', 'file_big', ALICE);
      if (file?.status === 'completed') assert.equal(stored?.length, 700);
      else assert.deepEqual([file?.status, stored], ['cancelled', []]);
    });

    test('batches count their files; cancel stops the files still in progress', async () => {
      await store.create(vectorStore('vs_1'), ALICE);
      assert.equal(
        await store.createBatch({ id: 'vsfb_1', vector_store_id: 'vs_1', created_at: NOW }, ALICE),
        true,
      );
      for (const file of ['file_1', 'file_2', 'file_3'])
        await store.addFile(vsFile('vs_1', file), file, 'vsfb_1', ALICE);
      await store.finishFile(
        'vs_1',
        'file_1',
        { status: 'completed', chunks: [{ text: 'x' }], embeddingModel: null },
        ALICE,
      );
      const running = await store.getBatch('vs_1', 'vsfb_1', ALICE);
      assert.deepEqual(
        [running?.object, running?.status, running?.file_counts.in_progress],
        ['vector_store.files_batch', 'in_progress', 2],
      );
      assert.equal(await store.getBatch('vs_1', 'vsfb_1', BOB), undefined);
      const cancelled = await store.cancelBatch('vs_1', 'vsfb_1', ALICE);
      assert.deepEqual(
        [cancelled?.status, cancelled?.file_counts],
        ['cancelled', { in_progress: 0, completed: 1, failed: 0, cancelled: 2, total: 3 }],
      );
      const listed = await store.listFiles('vs_1', ALICE, {
        limit: 10,
        order: 'asc',
        batchId: 'vsfb_1',
        filter: 'cancelled',
      });
      assert.deepEqual(ids(listed!.data), ['file_2', 'file_3']);
    });

    test('full-text search ranks, stems and stays in scope; embeddings and texts come back by chunk', async () => {
      await store.create(vectorStore('vs_1'), ALICE);
      await store.create(vectorStore('vs_2'), ALICE);
      await addCompleted('vs_1', 'file_a', [
        'The lighthouse keeper climbed the stairs.',
        'Lighthouses guide ships; the lighthouse keeper lights the lighthouse lamp every night.',
        'Bread is baked in the morning.',
      ]);
      await addCompleted('vs_2', 'file_b', ['A lighthouse in another store.'], { team: 'b' });
      const scope = { vectorStoreIds: ['vs_1'], owner: ALICE };
      const hits = await store.textSearch(scope, ['lighthouse', 'keeper'], 10);
      assert.equal(hits.length, 2);
      const texts = await store.chunkTexts(
        hits.map((hit) => hit.chunkId),
        ALICE,
      );
      const byId = new Map(texts.map((text) => [text.chunkId, text]));
      assert.match(byId.get(hits[0]!.chunkId)!.text, /every night/, 'more matches rank first');
      assert.deepEqual([hits[0]!.rank, hits[1]!.rank], [1, 2]);
      assert.equal(byId.get(hits[0]!.chunkId)!.filename, 'file_a.txt');
      assert.equal((await store.textSearch(scope, ['baking'], 10)).length, 1, 'words are stemmed');
      assert.equal((await store.textSearch({ ...scope, owner: BOB }, ['lighthouse'], 10)).length, 0);
      const both = { vectorStoreIds: ['vs_1', 'vs_2'], owner: ALICE };
      assert.equal((await store.textSearch(both, ['lighthouse'], 10)).length, 3);
      const onlyB = { ...both, fileIds: [{ vectorStoreId: 'vs_2', fileId: 'file_b' }] };
      assert.deepEqual(
        (await store.textSearch(onlyB, ['lighthouse'], 10)).map((hit) => hit.fileId),
        ['file_b'],
      );
      assert.equal(
        (await store.textSearch(scope, ['"quoted" OR NEAR(x'], 10)).length,
        0,
        'syntax is only text',
      );
      const vectors = await allPages(store.embeddings(both, 'm', 100));
      assert.equal(vectors.length, 4);
      assert.deepEqual([...vectors.find((v) => v.fileId === 'file_b')!.embedding], [0, 1, -1]);
      assert.equal((await allPages(store.embeddings(both, 'other-model', 100))).length, 0);
      assert.equal((await allPages(store.embeddings(both, 'm', 3))).length, 3, 'at most the limit');
      assert.equal(
        (
          await store.chunkTexts(
            hits.map((hit) => hit.chunkId),
            BOB,
          )
        ).length,
        0,
      );
      const attributes = await store.fileAttributes(['vs_1', 'vs_2'], ALICE);
      assert.deepEqual(attributes.map((one) => [one.fileId, one.attributes]).sort(), [
        ['file_a', null],
        ['file_b', { team: 'b' }],
      ]);
    });

    test("recoverInterrupted fails the files a lapsed instance left in progress, for every owner, once; a live instance's and its own stay", async () => {
      const now = Date.now();
      await store.create(vectorStore('vs_1'), ALICE);
      await store.create(vectorStore('vs_2'), BOB);
      await store.createBatch({ id: 'vsfb_1', vector_store_id: 'vs_2', created_at: NOW }, BOB);
      const dead = await handle.sibling('inst_dead');
      const live = await handle.sibling('inst_live');
      await live.instances.renew('inst_live', now, now + 60_000);
      await handle.stores.instances.renew(handle.stores.instance, now, now + 60_000);
      await dead.vectorStores.addFile(vsFile('vs_1', 'file_dead'), 'dead.txt', null, ALICE);
      await dead.vectorStores.addFile(vsFile('vs_2', 'file_batched'), 'b.txt', 'vsfb_1', BOB);
      await live.vectorStores.addFile(vsFile('vs_1', 'file_live'), 'live.txt', null, ALICE);
      await store.addFile(vsFile('vs_1', 'file_own'), 'own.txt', null, ALICE);
      await addCompleted('vs_1', 'file_done', ['finished before']);
      await dead.vectorStores.addFile(vsFile('vs_1', 'file_failed'), 'f.txt', null, ALICE);
      const error = { code: 'invalid_file' as const, message: 'unreadable' };
      await dead.vectorStores.finishFile('vs_1', 'file_failed', { status: 'failed', error }, ALICE);

      assert.equal(await store.recoverInterrupted(), 2);
      const interrupted = {
        code: 'server_error',
        message: 'The server stopped before it finished processing the file: add the file again.',
      };
      const failed = await store.getFile('vs_1', 'file_dead', ALICE);
      assert.deepEqual([failed?.status, failed?.last_error], ['failed', interrupted]);
      assert.equal((await store.getFile('vs_2', 'file_batched', BOB))?.status, 'failed');
      assert.equal((await store.getBatch('vs_2', 'vsfb_1', BOB))?.status, 'failed');
      const statuses = async () =>
        Object.fromEntries(
          (await store.listFiles('vs_1', ALICE, { limit: 10, order: 'asc' }))!.data.map((f) => [
            f.id,
            f.status,
          ]),
        );
      assert.deepEqual(await statuses(), {
        file_dead: 'failed',
        file_live: 'in_progress',
        file_own: 'in_progress',
        file_done: 'completed',
        file_failed: 'failed',
      });
      assert.deepEqual((await store.getFile('vs_1', 'file_failed', ALICE))?.last_error, error);
      assert.equal((await store.get('vs_1', ALICE))?.file_counts.failed, 2);
      assert.equal(await store.recoverInterrupted(), 0);
      assert.equal(await live.vectorStores.recoverInterrupted(), 0);

      // The dead instance, were it only paused, cannot finish the file any more.
      const late = { status: 'completed' as const, chunks: [{ text: 'too late' }], embeddingModel: null };
      assert.equal((await dead.vectorStores.finishFile('vs_1', 'file_dead', late, ALICE))?.status, 'failed');
      assert.deepEqual(await store.fileChunks('vs_1', 'file_dead', ALICE), []);

      // Once the live instance's lease lapses, its file is another's to fail; never one's own.
      await live.instances.renew('inst_live', now - 60_000, now - 1);
      assert.equal(await store.recoverInterrupted(), 1);
      assert.equal((await store.getFile('vs_1', 'file_live', ALICE))?.status, 'failed');
      assert.equal((await store.getFile('vs_1', 'file_own', ALICE))?.status, 'in_progress');
    });
  });
}
