/**
 * What log search costs at size: a store of N logs with request and answer bodies (100,000 by
 * default), searched for words through the index (SQLite FTS5, PostgreSQL GIN over tsvector)
 * and filtered by a structured filter (a
 * metadata value), each read as the API reads a page: 20 rows and the count. Printed per
 * backend as median milliseconds and as a ratio to the plain list (no filter) in the same run.
 *
 *   npm run bench:log-search [-- --logs 100000 --searches 20 --backends sqlite,postgres]
 *
 * PostgreSQL at PORTICO_TEST_DATABASE_URL (127.0.0.1:5432), in a schema of its own, dropped after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { searchTerms } from '../src/api/log-search-words.ts';
import type { LogEntry, LogFilter, LogStore } from '../src/store/log-store.ts';
import { openPostgresStores } from '../src/store/postgres-stores.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { logFixture } from '../test/support/gateway-fixtures.ts';
import { freshSchema, TEST_DATABASE_URL } from '../test/support/postgres.ts';
import { median } from './support/stats.ts';
import { random, VOCABULARY } from './support/corpus.ts';

const { values } = parseArgs({
  options: {
    logs: { type: 'string', default: '100000' },
    searches: { type: 'string', default: '20' },
    backends: { type: 'string', default: 'sqlite,postgres' },
  },
});
const count = Number(values.logs);
const searches = Number(values.searches);

const next = random(7);
const pick = () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]!;
const words = (n: number) => Array.from({ length: n }, pick).join(' ');

/** Log n: a 60-word question and a 120-word answer; one in a thousand holds a rare word. */
function entry(n: number, now: number): LogEntry {
  const rare = n % 1000 === 0 ? ` zephyr${n % 7}` : '';
  return logFixture(`log_bench_${n}`, {
    createdAt: now - (count - n) * 1000,
    project: 'default',
    metadata: { customer: `c${n % 500}`, tier: n % 3 },
    requestBody: { model: 'openai/gpt-5.4-pro', input: `${words(60)}${rare}` },
    responseBody: { object: 'response', output: [{ type: 'message', content: [{ text: words(120) }] }] },
  });
}

async function fill(logs: LogStore): Promise<number> {
  const started = performance.now();
  const now = Date.now();
  for (let n = 0; n < count; n += 1000)
    await logs.insert(Array.from({ length: Math.min(1000, count - n) }, (_, i) => entry(n + i, now)));
  return performance.now() - started;
}

/** A page of 20 and the count, as GET /v1/logs and Cloudflare's list read them. */
async function page(logs: LogStore, filter: LogFilter): Promise<number> {
  const started = performance.now();
  await logs.query(filter, { limit: 20, order: 'desc' });
  await logs.count(filter);
  return performance.now() - started;
}

async function timed(logs: LogStore, filters: LogFilter[]): Promise<number> {
  const times: number[] = [];
  for (const filter of filters) times.push(await page(logs, filter));
  return median(times);
}

async function run(name: string, logs: LogStore): Promise<void> {
  const fillMs = await fill(logs);
  const search = (texts: string[]) => texts.map((text): LogFilter => ({ search: searchTerms(text) }));
  const plain = await timed(
    logs,
    Array.from({ length: searches }, () => ({})),
  );
  const rows: Array<[string, number]> = [
    [
      'search, a rare word',
      await timed(logs, search(Array.from({ length: searches }, (_, n) => `zephyr${n % 7}`))),
    ],
    [
      'search, two common words',
      await timed(logs, search(Array.from({ length: searches }, () => `${pick()} ${pick()}`))),
    ],
    [
      'search, a common word begun',
      await timed(logs, search(Array.from({ length: searches }, () => pick().slice(0, 3)))),
    ],
    [
      'filter metadata.value eq (read from each summary)',
      await timed(
        logs,
        Array.from({ length: searches }, (_, n) => ({
          conditions: [{ field: 'metadata.value', operator: 'eq', values: [`c${n}`] }],
        })),
      ),
    ],
  ];
  console.log(`\n${name}: ${count.toLocaleString()} logs written in ${(fillMs / 1000).toFixed(1)} s`);
  console.log(`  the plain list (a page of 20 and the count): ${plain.toFixed(1)} ms`);
  for (const [what, ms] of rows)
    console.log(`  ${what}: ${ms.toFixed(1)} ms, ${(ms / plain).toFixed(2)}x the plain list`);
}

for (const backend of values.backends.split(',')) {
  if (backend === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'portico-bench-logs-'));
    const stores = openSqliteStores({ dataDir });
    try {
      await run('SQLite (FTS5)', stores.logs);
    } finally {
      await stores.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  } else if (backend === 'postgres') {
    const { schema, drop } = await freshSchema();
    const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema });
    try {
      await run('PostgreSQL (GIN over tsvector)', stores.logs);
    } finally {
      await stores.close();
      await drop();
    }
  }
}
