import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { chunkingStrategy } from '../src/api/vector-stores.ts';
import { o200k, tokenizerSegments } from '../src/o200k-tokens.ts';
import { countOpenAiTokens } from '../src/providers/openai/count-openai-tokens.ts';
import { chunkText } from '../src/retrieval/chunk-text.ts';
import { extractText } from '../src/retrieval/extract-text.ts';
import { DATABASE_FILE, openSqliteDatabase } from '../src/store/sqlite-connection.ts';
import { FILE_PART_BYTES, SqliteFileStore } from '../src/store/sqlite-file-store.ts';
import { SqliteGroupCommit, walFile } from '../src/store/sqlite-group-commit.ts';
import { SqliteInstanceStore } from '../src/store/sqlite-instance-store.ts';
import {
  CHUNK_TEXTS_PER_PAGE,
  CHUNKS_PER_DELETE,
  CHUNKS_PER_INSERT,
} from '../src/store/sqlite-file-chunks.ts';
import { SqliteVectorStoreStore } from '../src/store/sqlite-vector-store-store.ts';
import { EMBEDDINGS_PER_PAGE } from '../src/store/sqlite-vector-search.ts';
import { withTurns } from './support/event-loop-turns.ts';
import { userItem } from './support/store-fixtures.ts';
import { allPages, vsFile } from './vector-store-contract.ts';

const OWNER = 'proj_test';
const NOW = Math.floor(Date.now() / 1000);

/** ~1.5 MB of text that tokenizes like prose: words, numbers, punctuation, blank lines. */
function largeText(): string {
  const words = [
    'alpha',
    'Bravo,',
    'charlie',
    'delta.',
    'echo',
    "foxtrot's",
    'golf',
    '(hotel)',
    'india',
    'juliet',
  ];
  const lines: string[] = [];
  for (let n = 0; lines.length < 60_000; n++)
    lines.push(
      `${words[n % 10]} ${words[(n * 7) % 10]} ${n} — ${words[(n * 3) % 10]}${n % 9 === 0 ? '\n' : ''}`,
    );
  return lines.join('\n');
}

describe('a large input never holds the event loop', () => {
  test("a file's text is tokenized and cut a slice at a time, into the chunks a whole tokenization gives", async () => {
    const strategy = chunkingStrategy(undefined);
    await chunkText('the tokenizer loads first', strategy);
    const text = largeText();
    const { value: chunks, turns } = await withTurns(() => chunkText(text, strategy));
    assert.ok(turns > 0, 'the event loop turned while the text was cut');
    const { decode, encode } = await o200k();
    const tokens = encode(text);
    const { max_chunk_size_tokens: size, chunk_overlap_tokens: overlap } = strategy.static;
    const expected: string[] = [];
    for (let start = 0; start < tokens.length; start += size - overlap) {
      expected.push(decode(tokens.slice(start, start + size)));
      if (start + size >= tokens.length) break;
    }
    assert.ok(expected.length > 100);
    assert.deepEqual(chunks, expected);
  });

  test("a large page's text is read a piece at a time, as it reads at once", async () => {
    const paragraph = '<div class="x"><p>Keeper &amp; <b>ships</b>.</p><script>x()</script></div>\n';
    const count = Math.ceil((4 << 20) / paragraph.length);
    const page = new TextEncoder().encode(paragraph.repeat(count));
    const { value, turns } = await withTurns(() => extractText('big.html', page));
    assert.ok(turns > 0, 'the event loop turned while the page was read');
    assert.deepEqual(value, { text: Array(count).fill('Keeper & ships .').join('\n') });
    // A character cut between two pieces of bytes is decoded whole.
    const accents = new TextEncoder().encode('é'.repeat(3 << 19));
    assert.deepEqual(await extractText('big.txt', accents), { text: 'é'.repeat(3 << 19) });
  });

  test('a context of many tokens is counted as a whole count gives, with the loop turning', async () => {
    const { countTokens } = await o200k();
    const text = largeText();
    const turn = {
      instructions: 'Be brief.',
      items: [userItem('msg_1', text), userItem('msg_2', 'And?')],
      tools: [],
    };
    await countOpenAiTokens({ instructions: undefined, items: [], tools: [] });
    const { value, turns } = await withTurns(() => countOpenAiTokens(turn));
    assert.ok(turns > 0, 'the event loop turned while the context was counted');
    // Each message's envelope is 4 tokens, and 3 prime the answer.
    assert.equal(value, 3 + 4 + countTokens('Be brief.') + 4 + countTokens(text) + 4 + countTokens('And?'));
  });

  test('a long run without spaces is tokenized in bounded pieces, the loop turning (a piece costs the square of its length)', async () => {
    const run = 'a'.repeat(1_000_000);
    const { value, turns } = await withTurns(() =>
      countOpenAiTokens({ instructions: run, items: [], tools: [] }),
    );
    assert.ok(turns > 0, 'the event loop turned while the run was counted');
    const { countTokens, encode } = await o200k();
    // Each 256-character cut is tokenized alone: 3,906 whole cuts and the 64 characters left.
    assert.equal(value, 3 + 4 + 3906 * countTokens('a'.repeat(256)) + countTokens('a'.repeat(64)));

    const mixed = `${'字'.repeat(300)}😀${'b'.repeat(255)}😀 tail ${'c'.repeat(70_000)}`;
    const segments = [...tokenizerSegments(mixed)];
    assert.equal(segments.join(''), mixed);
    for (const segment of segments) {
      assert.ok(Math.max(...segment.split(/\s/).map((word) => word.length)) <= 256, 'no run longer than 256');
      assert.ok(!/^[\udc00-\udfff]/.test(segment), 'never cut inside a surrogate pair');
    }
    // Ordinary text is cut only where o200k's pieces part anyway: its tokens are the whole's.
    const prose = 'The quick  brown fox.\njumps over the lazy dog. '.repeat(3000);
    const cut = [...tokenizerSegments(prose)];
    assert.ok(cut.length > 1);
    assert.deepEqual(
      cut.flatMap((segment) => encode(segment)),
      encode(prose),
    );
  });

  test("on SQLite a file's chunks go in and out a slice per write (cancelled meanwhile, it keeps none) and are searched a page at a time", async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portico-large-inputs-'));
    const db = openSqliteDatabase(dataDir);
    const commits = new SqliteGroupCommit(db, walFile(join(dataDir, DATABASE_FILE)));
    new SqliteInstanceStore(db, commits); // its table: recovery reads the leases
    const store = new SqliteVectorStoreStore(db, Date.now, commits, 'inst_test');
    const writes = t.mock.method(commits, 'write');
    const chunkRows = () =>
      (db.prepare('SELECT count(*) AS n FROM vector_store_chunks').get() as { n: number }).n;
    const vectorStore = { name: 'big', created_at: NOW, last_active_at: NOW, metadata: {}, expires_at: null };
    await store.create({ id: 'vs_1', ...vectorStore }, OWNER);
    const chunks = Array.from({ length: 1000 }, (_, n) => ({ text: `chunk number ${n}` }));
    const completed = { status: 'completed' as const, chunks, embeddingModel: null };

    await store.addFile(vsFile('vs_1', 'file_1'), 'big.txt', null, OWNER);
    writes.mock.resetCalls();
    assert.equal((await store.finishFile('vs_1', 'file_1', completed, OWNER))?.status, 'completed');
    assert.equal(
      writes.mock.callCount(),
      Math.ceil(1000 / CHUNKS_PER_INSERT) + 1,
      'one write per slice, then the status',
    );
    assert.equal(chunkRows(), 1000);
    writes.mock.resetCalls();
    assert.equal(await store.deleteFile('vs_1', 'file_1', OWNER), true);
    assert.ok(
      writes.mock.callCount() >= Math.ceil(1000 / CHUNKS_PER_DELETE) + 1,
      'one write per slice, then the row',
    );
    assert.equal(chunkRows(), 0);

    // The cancel is queued behind the first slice: the next slice sees it, and the first one's chunks go.
    await store.createBatch({ id: 'vsfb_1', vector_store_id: 'vs_1', created_at: NOW }, OWNER);
    await store.addFile(vsFile('vs_1', 'file_2'), 'big.txt', 'vsfb_1', OWNER);
    const finishing = store.finishFile('vs_1', 'file_2', completed, OWNER);
    await store.cancelBatch('vs_1', 'vsfb_1', OWNER);
    assert.equal((await finishing)?.status, 'cancelled');
    assert.equal(chunkRows(), 0);

    // A search reads embeddings a page at a time, however many there are.
    await store.addFile(vsFile('vs_1', 'file_3'), 'big.txt', null, OWNER);
    const embedded = chunks.concat(chunks, chunks).map((chunk, n) => ({
      text: chunk.text,
      embedding: new Float32Array([n, 1]),
    }));
    await store.finishFile(
      'vs_1',
      'file_3',
      { status: 'completed', chunks: embedded, embeddingModel: 'm' },
      OWNER,
    );
    // And small files' embeddings gather into whole pages.
    for (const id of ['file_4', 'file_5', 'file_6']) {
      await store.addFile(vsFile('vs_1', id), 'small.txt', null, OWNER);
      const small = { status: 'completed' as const, chunks: embedded.slice(0, 400), embeddingModel: 'm' };
      await store.finishFile('vs_1', id, small, OWNER);
    }
    const scope = { vectorStoreIds: ['vs_1'], owner: OWNER };
    const pages: number[] = [];
    for await (const page of store.embeddings(scope, 'm', 10_000)) pages.push(page.length);
    assert.equal(EMBEDDINGS_PER_PAGE, 1000);
    assert.deepEqual(pages, [1000, 1000, 1000, 1000, 200]);
    assert.equal((await allPages(store.embeddings(scope, 'm', 1500))).length, 1500);
    // A file's chunks are listed a page at a time; a file replaced meanwhile is not found, never listed in part.
    const { value: listed, turns: listTurns } = await withTurns(() =>
      store.fileChunks('vs_1', 'file_3', OWNER),
    );
    assert.deepEqual(
      listed,
      embedded.map((chunk) => chunk.text),
    );
    assert.ok(listTurns >= Math.floor(embedded.length / CHUNK_TEXTS_PER_PAGE), 'a turn per page');
    // Chunks that go while the listing runs (a removal drops them a slice at a time, the row last).
    const dropWhileListed = async (where: string) => {
      const listing = store.fileChunks('vs_1', 'file_3', OWNER);
      db.prepare(`DELETE FROM vector_store_chunks WHERE file_id = 'file_3' AND ${where}`).run();
      return listing;
    };
    const whole = { status: 'completed' as const, chunks: embedded, embeddingModel: 'm' };
    assert.equal(await dropWhileListed('position < 2500'), undefined, 'a gap: not found');
    await store.addFile(vsFile('vs_1', 'file_3'), 'big.txt', null, OWNER);
    await store.finishFile('vs_1', 'file_3', whole, OWNER);
    assert.equal(await dropWhileListed('position >= 1500'), undefined, 'cut short: not found');
    await store.addFile(vsFile('vs_1', 'file_3'), 'big.txt', null, OWNER);
    await store.finishFile('vs_1', 'file_3', whole, OWNER);
    assert.equal((await dropWhileListed('position < 500'))?.length, 3000, 'what was read already may go');

    // A process that stopped midway through a file's chunks left some behind: recovery drops them.
    const crashed = new SqliteVectorStoreStore(db, Date.now, commits, 'inst_crashed');
    await crashed.addFile(vsFile('vs_1', 'file_7'), 'big.txt', null, OWNER);
    const before = chunkRows();
    const insert = db.prepare(
      `INSERT INTO vector_store_chunks (vector_store_id, file_id, position, text) VALUES ('vs_1', 'file_7', ?, 'x')`,
    );
    for (let n = 0; n < CHUNKS_PER_DELETE + 10; n++) insert.run(n);
    writes.mock.resetCalls();
    assert.equal(await store.recoverInterrupted(), 1);
    assert.equal(writes.mock.callCount(), 1 + 2, 'the status, then the chunks a slice per write');
    assert.equal(chunkRows(), before);
    assert.equal((await store.getFile('vs_1', 'file_7', OWNER))?.status, 'failed');

    await commits.close();
    db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("on SQLite an upload's bytes go in a part per write, hidden until the last; one that fails leaves nothing", async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'portico-large-inputs-'));
    const db = openSqliteDatabase(dataDir);
    const commits = new SqliteGroupCommit(db, walFile(join(dataDir, DATABASE_FILE)));
    const files = new SqliteFileStore(db, () => NOW * 1000, commits);
    const rows = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const content = new Uint8Array(3 * FILE_PART_BYTES + 5).map((_, n) => n % 253);
    const upload = (id: string) =>
      files.create(
        {
          id,
          object: 'file',
          bytes: content.length,
          created_at: NOW,
          filename: 'big.bin',
          purpose: 'assistants',
          status: 'processed',
          status_details: null,
        },
        content,
        OWNER,
      );
    const writes = t.mock.method(commits, 'write');
    const stored = upload('file_1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await files.get('file_1', OWNER), undefined, 'hidden while its parts are written');
    await stored;
    assert.equal(writes.mock.callCount(), 1 + 3 + 1, 'the row with the first part, three parts, then shown');
    const { value: read, turns } = await withTurns(() => files.content('file_1', OWNER));
    assert.ok(Buffer.from(content).equals(read!.content));
    assert.ok(turns >= 3, 'the event loop turned between the parts read');

    // A write that fails halfway: the upload fails, and what it wrote goes.
    let calls = 0;
    const write = commits.write.bind(commits);
    writes.mock.mockImplementation(<T>(work: () => T) =>
      ++calls === 3 ? Promise.reject(new Error('disk full')) : write(work),
    );
    await assert.rejects(upload('file_2'), /disk full/);
    assert.equal(await files.get('file_2', OWNER), undefined);
    assert.equal(rows('files'), 1);
    assert.equal(rows('file_parts'), 3);

    // One its process left unfinished is removed with an upload ten minutes later.
    writes.mock.restore();
    db.prepare(`UPDATE files SET stored = 0, created_at = ? WHERE id = 'file_1'`).run(NOW - 601);
    await upload('file_3');
    assert.deepEqual(
      db
        .prepare('SELECT id FROM files')
        .all()
        .map((row) => (row as { id: string }).id),
      ['file_3'],
    );
    assert.equal(rows('file_parts'), 3);

    // Deleted while it is read: the read finds no file, not part of one.
    const reading = files.content('file_3', OWNER);
    assert.equal(await files.delete('file_3', OWNER), true);
    assert.equal(await reading, undefined);

    await commits.close();
    db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
});
