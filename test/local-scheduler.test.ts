import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { BatchItem, Token } from 'node-llama-cpp';
import type { CatalogModel } from '../src/catalog/catalog-model.ts';
import { fairBatchStrategy } from '../src/providers/local/fair-batch-strategy.ts';
import { AGING_MS, LeasePool } from '../src/providers/local/lease-pool.ts';
import { listLocalModels } from '../src/providers/local/list-local-models.ts';
import { LocalProvider } from '../src/providers/local/local-provider.ts';
import { localTurn } from './support/local-turn.ts';

const MODELS_DIR = fileURLToPath(new URL('../../shared/models/', import.meta.url));

describe('LeasePool scheduling', () => {
  const never = new AbortController().signal;

  test('a freed item goes to the least costly waiter; equal costs in order of arrival', async () => {
    const now = 0;
    const pool = new LeasePool(['seq'], () => now);
    assert.equal(pool.lent, 0);
    const held = await pool.acquire(never, 100);
    assert.equal(pool.lent, 1, 'the decode schedule reads how many sequences are generating');
    const order: string[] = [];
    const wait = (name: string, cost: number) =>
      pool.acquire(never, cost).then((item) => {
        order.push(name);
        return item;
      });
    const big = wait('big', 5000);
    const small = wait('small', 20);
    const small2 = wait('small2', 20);
    pool.release(held);
    pool.release(await small);
    pool.release(await small2);
    pool.release(await big);
    assert.deepEqual(order, ['small', 'small2', 'big']);
    assert.equal(pool.lent, 0);
  });

  test('waiting makes a request cheaper, so a long one is never starved', async () => {
    let now = 0;
    const pool = new LeasePool(['seq'], () => now);
    const held = await pool.acquire(never);
    const served: string[] = [];
    void pool.acquire(never, 1000).then(() => served.push('long'));
    // 1000 tokens waiting 49 aging periods count as 20: a new 21-token request comes after it.
    now = 49 * AGING_MS;
    void pool.acquire(never, 21).then(() => served.push('short'));
    pool.release(held);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(served, ['long']);
  });
});

describe('fairBatchStrategy', () => {
  const item = (tokens: number): BatchItem => ({
    tokens: Array.from({ length: tokens }, () => 1 as Token),
    logits: [],
    evaluationPriority: 5,
  });

  test('each waiting sequence gets an equal share; what a short one leaves goes to the others', () => {
    const [long, small, other] = [item(900), item(20), item(300)];
    const amounts = (items: BatchItem[], size: number) =>
      fairBatchStrategy({ items, size }).map((entry) => entry.processAmount);
    assert.deepEqual(amounts([long, small], 128), [108, 20]);
    assert.deepEqual(amounts([long, small, other], 128), [66, 20, 42]);
    assert.deepEqual(amounts([long], 128), [128]);
    assert.deepEqual(amounts([item(1), item(1)], 128), [1, 1]);
  });
});

/** Runs a greedy stories260K request on `provider`: milliseconds from `started` to its first event, and to its last. */
function timer(provider: LocalProvider) {
  const model = listLocalModels([MODELS_DIR]).find(
    (found) => found.id === 'local/stories260K',
  ) as CatalogModel;
  return async (prompt: string, maxOutputTokens: number, started = performance.now()) => {
    const turn = localTurn(model, prompt, { sampling: { temperature: 0, maxOutputTokens } });
    let first: number | undefined;
    for await (const _ of provider.generate(turn, new AbortController().signal))
      first ??= performance.now() - started;
    return { first: first!, last: performance.now() - started };
  };
}

describe('local scheduling, measured', () => {
  // One sequence, so every request but the running one waits for it.
  const provider = new LocalProvider({ parallelSequences: 1 });
  const timed = timer(provider);
  after(() => provider.close());

  test('a small request behind large ones waits for the running one only, not the queue', async () => {
    const longPrompt = 'Once upon a time, there was a little girl named Lily. '.repeat(25);
    await timed('warm up', 4);
    const alone = await timed('Hi', 4);
    const started = performance.now();
    const running = timed(longPrompt, 300, started);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const queued = timed(longPrompt, 300, started);
    const small = timed('Hi', 4, started);
    const [a, b, s] = await Promise.all([running, queued, small]);
    process.stdout.write(
      `# small alone: first event ${alone.first.toFixed(0)} ms; behind two large requests: ` +
        `${s.first.toFixed(0)} ms (the running one ended at ${a.last.toFixed(0)} ms, the queued one at ${b.last.toFixed(0)} ms)\n`,
    );
    // The small request took the sequence as soon as the running one let go of it, before the queued large one.
    assert.ok(s.last < b.first, `small ended at ${s.last} ms, the queued large one began at ${b.first} ms`);
    assert.ok(s.first > a.first);
  });
});

describe('local batches, measured', () => {
  // Two sequences: the small request has one of its own, beside the long prompt.
  const provider = new LocalProvider({ parallelSequences: 2 });
  const timed = timer(provider);
  after(() => provider.close());

  test('a small request beside a long prompt answers while the prompt is still being read', async () => {
    const longPrompt = 'Once upon a time, there was a little girl named Lily. '.repeat(60);
    await timed('warm up', 4);
    const started = performance.now();
    const long = timed(longPrompt, 3, started);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const small = timed('Hi', 2, started);
    const [l, s] = await Promise.all([long, small]);
    process.stdout.write(
      `# beside a long prompt: the small request's first event at ${s.first.toFixed(0)} ms, its end at ${s.last.toFixed(0)} ms; ` +
        `the long prompt's first event at ${l.first.toFixed(0)} ms\n`,
    );
    // Batches are shared between the sequences: the small one does not wait for the whole prompt.
    assert.ok(
      s.last < l.first,
      `small ended at ${s.last} ms, the long prompt's first event came at ${l.first} ms`,
    );
  });
});
