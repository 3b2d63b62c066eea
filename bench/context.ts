/**
 * What building a response's context costs against reading the same rows raw, in one run:
 *
 *   npm run bench:context [-- --rounds 5]
 *
 * Three histories on one SQLite file: a conversation of 10,000 items, a previous_response_id
 * chain of 500 turns, and a conversation of about 1,000,000 tokens. For each, the engine's
 * first step (buildContext: load, checkpoint, settle, fit, which counts the tokens of a context
 * that may not fit) and a token count alone (o200k, as for OpenAI models) are timed against
 * the raw read (the item rows as strings, no parsing), as the median of `--rounds`, with the
 * heap they leave in use. Each is run at half size too: the growth factor from half to full
 * size is near 2 for linear work, near 4 for quadratic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import type { Item } from '../src/api/items.ts';
import type { CreateResponseRequest } from '../src/api/request.ts';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { buildContext } from '../src/engine/build-context.ts';
import type { EngineContext } from '../src/engine/engine-context.ts';
import { countTurnTokens } from '../src/engine/fit-context.ts';
import { randomId } from '../src/engine/ids.ts';
import { OpenAiProvider } from '../src/providers/openai/openai-provider.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import { DATABASE_FILE } from '../src/store/sqlite-connection.ts';
import { responseFixture } from '../test/support/store-fixtures.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';
import { median } from './support/stats.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);

const model: CatalogModel = {
  id: 'openai/bench',
  provider: 'openai',
  upstreamModel: 'gpt-5.4',
  task: 'Text Generation',
  ownedBy: 'OpenAI',
  proxied: true,
  contextWindow: 1_050_000,
  capabilities: { tools: true, vision: true, structuredOutput: true, reasoningEfforts: [] },
};
// Only its token count runs: no request ever leaves.
const provider = new OpenAiProvider({
  id: 'openai',
  baseUrl: 'http://127.0.0.1:9/v1',
  apiKey: undefined,
  headers: {},
  timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000 },
  post: undiciPost,
});

const dir = mkdtempSync(join(tmpdir(), 'portico-bench-context-'));
const stores = openSqliteStores({ dataDir: dir });
const raw = new Sqlite(join(dir, DATABASE_FILE), { readonly: true });
const ctx: EngineContext = {
  catalog: new Catalog([model], new Map([['openai', provider]])),
  store: stores.responses,
  conversations: stores.conversations,
  newId: randomId,
  now: Date.now,
  owner: 'bench',
};

const message = (role: 'user' | 'assistant', text: string): Item =>
  role === 'user'
    ? { type: 'message', id: randomId('msg'), role, content: [{ type: 'input_text', text }] }
    : {
        type: 'message',
        id: randomId('msg'),
        role,
        status: 'completed',
        content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
      };

/** About `tokens` o200k tokens of ordinary prose. */
const prose = (tokens: number) =>
  'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(tokens / 10));

async function conversation(items: number, tokensPerItem: number): Promise<string> {
  const id = randomId('conv');
  await stores.conversations.create({ id, object: 'conversation', metadata: {}, created_at: 0 }, [], 'bench');
  for (let at = 0; at < items; at += 500) {
    const batch = Array.from({ length: Math.min(500, items - at) }, (_, n) =>
      message((at + n) % 2 === 0 ? 'user' : 'assistant', prose(tokensPerItem)),
    );
    await stores.conversations.append(id, batch, 'bench');
  }
  return id;
}

async function chain(turns: number): Promise<string> {
  let previous: string | null = null;
  for (let n = 0; n < turns; n++) {
    const response = responseFixture(randomId('resp'), {
      previous_response_id: previous,
      status: 'completed',
    });
    await stores.responses.begin(response, [message('user', prose(20))], 'bench');
    await stores.responses.finish(
      { ...response, output: [message('assistant', prose(40)) as never] },
      'bench',
    );
    previous = response.id;
  }
  return previous!;
}

interface Case {
  name: string;
  request: CreateResponseRequest;
  rawRead: () => unknown;
}

async function time(work: () => unknown): Promise<{ ms: number; heapMb: number }> {
  const samples: number[] = [];
  let heap = 0;
  for (let round = 0; round < rounds; round++) {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const kept = await work();
    samples.push(performance.now() - started);
    heap = Math.max(heap, process.memoryUsage().heapUsed - before);
    void kept;
  }
  return { ms: median(samples), heapMb: heap / 2 ** 20 };
}

async function measure(made: Case) {
  const rawRead = await time(made.rawRead);
  const build = await time(() => buildContext(made.request, ctx));
  const context = await buildContext(made.request, ctx);
  const count = await time(() => countTurnTokens(context.turn, provider, new AbortController().signal));
  const tokens = await countTurnTokens(context.turn, provider, new AbortController().signal);
  return { rawRead, build, count, items: context.turn.items.length, tokens };
}

const conversationRows = raw
  .prepare('SELECT item_json FROM conversation_items WHERE conversation_id = ? ORDER BY position')
  .raw();
const chainRows = raw
  .prepare(
    `WITH RECURSIVE chain (id, previous_response_id, depth) AS (
       SELECT id, previous_response_id, 0 FROM responses WHERE id = ?
       UNION ALL SELECT r.id, r.previous_response_id, chain.depth + 1 FROM chain JOIN responses r ON r.id = chain.previous_response_id)
     SELECT items.item_json FROM chain JOIN items ON items.response_id = chain.id
     ORDER BY chain.depth DESC, items.kind = 'output', items.position`,
  )
  .raw();

async function cases(scale: number): Promise<Case[]> {
  const bigItems = Math.round(10_000 * scale);
  const big = await conversation(bigItems, 10);
  const turns = Math.round(500 * scale);
  const last = await chain(turns);
  const longItems = Math.round(2_000 * scale);
  const long = await conversation(longItems, 500);
  const ask = (fields: Partial<CreateResponseRequest>): CreateResponseRequest => ({
    model: model.id,
    input: 'And then?',
    store: false,
    ...fields,
  });
  return [
    {
      name: `conversation, ${bigItems} items`,
      request: ask({ conversation: big }),
      rawRead: () => conversationRows.all(big),
    },
    {
      name: `chain, ${turns} turns`,
      request: ask({ previous_response_id: last }),
      rawRead: () => chainRows.all(last),
    },
    {
      name: `conversation, ~${Math.round(longItems * 0.5)}k tokens`,
      request: ask({ conversation: long }),
      rawRead: () => conversationRows.all(long),
    },
  ];
}

const rows: string[][] = [];
const half = await cases(0.5);
const full = await cases(1);
for (const [index, made] of full.entries()) {
  const small = await measure(half[index]!);
  const large = await measure(made);
  rows.push([
    made.name,
    `${large.tokens}`,
    `${large.rawRead.ms.toFixed(1)} ms`,
    `${large.build.ms.toFixed(1)} ms (x${(large.build.ms / large.rawRead.ms).toFixed(1)})`,
    `${large.count.ms.toFixed(1)} ms (x${(large.count.ms / large.rawRead.ms).toFixed(1)})`,
    `${large.build.heapMb.toFixed(1)} MB`,
    `x${(large.build.ms / small.build.ms).toFixed(2)}`,
  ]);
}
const header = [
  'history',
  'tokens',
  'raw read',
  'build context (vs raw)',
  'count tokens (vs raw)',
  'build heap',
  'growth x2 size',
];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column]!.length)),
);
for (const row of [header, ...rows])
  console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));

raw.close();
await stores.close();
rmSync(dir, { recursive: true, force: true });
