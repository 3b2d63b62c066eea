/**
 * What hybrid ranking costs: vector-store search latency with full-text ranking alone against
 * the same searches fused with embedding similarity (the local stories260K model), on one
 * corpus in one run, and the time to add the corpus both ways; printed as ratios.
 *
 *   npm run bench:vector-search [-- --files 100 --words 2000 --searches 50]
 *
 * The corpus is generated from a fixed seed (so every run searches the same text); each file
 * is chunked by OpenAI's defaults (800 tokens, 400 shared). SQLite, in a temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI, { toFile } from 'openai';
import { startServer } from '../src/server/start-server.ts';
import { sharedModelsDir, TINY_MODEL } from '../test/support/portico.ts';
import { median } from './support/stats.ts';
import { random, VOCABULARY } from './support/corpus.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100' },
    words: { type: 'string', default: '2000' },
    searches: { type: 'string', default: '50' },
  },
});
const files = Number(values.files);
const words = Number(values.words);
const searches = Number(values.searches);

const next = random(42);
const pick = () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]!;
const corpus = Array.from({ length: files }, () => Array.from({ length: words }, pick).join(' '));
const queries = Array.from({ length: searches }, () => `${pick()} ${pick()} ${pick()}`);

async function measure(embeddings: boolean): Promise<{ addMs: number; searchMs: number[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-bench-vs-'));
  const server = await startServer({
    port: 0,
    dataDir,
    modelsDirs: [sharedModelsDir],
    env: {},
    config: embeddings ? { vector_stores: { embedding_model: TINY_MODEL } } : {},
  });
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const ids = [];
    for (const [n, text] of corpus.entries())
      ids.push(
        (
          await client.files.create({
            file: await toFile(Buffer.from(text), `doc${n}.txt`),
            purpose: 'assistants',
          })
        ).id,
      );
    const started = performance.now();
    const store = await client.vectorStores.create({ file_ids: ids });
    const addMs = performance.now() - started;
    await client.vectorStores.search(store.id, { query: 'warm up' });
    const searchMs = [];
    for (const query of queries) {
      const at = performance.now();
      await client.vectorStores.search(store.id, { query });
      searchMs.push(performance.now() - at);
    }
    return { addMs, searchMs };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const text = await measure(false);
const hybrid = await measure(true);
const mb = corpus.reduce((sum, one) => sum + Buffer.byteLength(one), 0) / 1024 / 1024;
console.log(`corpus: ${files} files, ${mb.toFixed(2)} MB, ${searches} searches of three words`);
console.log(`add, full text only:   ${text.addMs.toFixed(0)} ms (${(text.addMs / mb).toFixed(0)} ms/MB)`);
console.log(`add, with embeddings:  ${hybrid.addMs.toFixed(0)} ms (${(hybrid.addMs / mb).toFixed(0)} ms/MB)`);
console.log(`search median, full text: ${median(text.searchMs).toFixed(1)} ms`);
console.log(`search median, hybrid:    ${median(hybrid.searchMs).toFixed(1)} ms`);
console.log(
  `ratios: add ${(hybrid.addMs / text.addMs).toFixed(2)}x, search ${(median(hybrid.searchMs) / median(text.searchMs)).toFixed(2)}x (hybrid / full text)`,
);
