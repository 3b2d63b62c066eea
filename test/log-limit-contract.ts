import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLimit } from '../src/api/gateway-settings.ts';
import type { LogEntry, LogStore } from '../src/store/log-store.ts';
import { logFixture } from './support/gateway-fixtures.ts';

const T0 = 1_767_225_600_000;

/** How many rows each table holds: a deleted log's bodies and search text go with it. */
export interface LogTableRows {
  logs: number;
  bodies: number;
  search: number;
}

export interface LogLimitBackend {
  logs: LogStore;
  /** A second handle on the same database: another `--workers` process, another replica. */
  other: LogStore;
  rows: () => Promise<LogTableRows>;
  cleanup: () => Promise<void>;
}

/** Entries `from` to `to - 1` of gateway `capped`, a millisecond apart, with bodies and a word of their own. */
function entries(from: number, to: number, logLimit?: LogLimit, gateway = 'capped'): LogEntry[] {
  return Array.from({ length: to - from }, (_, i) => {
    const n = from + i;
    return logFixture(`log_${String(n).padStart(3, '0')}`, {
      createdAt: T0 + n,
      gateway,
      requestBody: { input: `word${n}` },
      ...(logLimit ? { logLimit } : {}),
    });
  });
}

/** A gateway's cap on its logs (log-limit.ts): both strategies, the count kept by every deletion. */
export function describeLogLimit(name: string, open: () => Promise<LogLimitBackend>): void {
  describe(`gateway log cap: ${name}`, () => {
    let backend: LogLimitBackend;
    beforeEach(async () => {
      backend = await open();
    });
    afterEach(async () => backend.cleanup());

    const kept = async (gateway = 'capped') =>
      (await backend.logs.query({ gateway }, { limit: 100, order: 'asc' })).data.map((entry) => entry.id);
    const stop = (maxLogs: number): LogLimit => ({ maxLogs, strategy: 'stop_inserting' });
    const oldest = (maxLogs: number): LogLimit => ({ maxLogs, strategy: 'delete_oldest' });

    test('stop_inserting keeps the first entries up to the cap; the rest add their cost and are not kept', async () => {
      const { logs } = backend;
      await logs.insert(entries(0, 2, stop(3)));
      await logs.insert([...entries(2, 5, stop(3)), ...entries(5, 7, undefined, 'open')]);
      assert.deepEqual(await kept(), ['log_000', 'log_001', 'log_002']);
      assert.deepEqual(await kept('open'), ['log_005', 'log_006'], 'another gateway is not capped');
      assert.equal(await logs.get('log_003'), undefined);
      assert.equal(await logs.spend({ gateway: 'capped' }, 0), 2.5, 'all five requests spent');
      assert.deepEqual(await backend.rows(), { logs: 5, bodies: 5, search: 5 });
    });

    test('delete_oldest keeps the newest, deleting the oldest with their bodies and search text', async () => {
      const { logs } = backend;
      await logs.insert(entries(0, 2, oldest(3)));
      await logs.insert(entries(2, 5, oldest(3)));
      assert.deepEqual(await kept(), ['log_002', 'log_003', 'log_004']);
      assert.equal(await logs.get('log_000'), undefined);
      assert.equal(await logs.count({ search: ['word0'] }), 0);
      assert.deepEqual(await backend.rows(), { logs: 3, bodies: 3, search: 3 });
      // A batch of more than a whole cap keeps its newest, whatever order it came in.
      await logs.insert(entries(5, 10, oldest(2)).reverse());
      assert.deepEqual(await kept(), ['log_008', 'log_009']);
      assert.deepEqual(await backend.rows(), { logs: 2, bodies: 2, search: 2 });
      assert.equal(await logs.spend({ gateway: 'capped' }, 0), 5, 'every request spent');
    });

    test('a log deleted by the API or by retention makes room again', async () => {
      const { logs } = backend;
      await logs.insert(entries(0, 3, stop(3)));
      await logs.insert(entries(3, 4, stop(3)));
      assert.deepEqual(await kept(), ['log_000', 'log_001', 'log_002']);
      assert.equal(await logs.delete({ gateway: 'capped' }, { limit: 1, order: 'asc' }), 1);
      assert.equal(await logs.prune(T0 + 2), 1, 'log_001 is past retention');
      await logs.insert(entries(4, 7, stop(3)));
      assert.deepEqual(await kept(), ['log_002', 'log_004', 'log_005']);
    });

    test('trim deletes a gateway down to a lowered cap, oldest first; the next batch trims too', async () => {
      const { logs } = backend;
      await logs.insert(entries(0, 10));
      await logs.insert(entries(100, 102, undefined, 'open'));
      assert.equal(await logs.trim('capped', 4), 6);
      assert.deepEqual(await kept(), ['log_006', 'log_007', 'log_008', 'log_009']);
      assert.equal(await logs.trim('capped', 4), 0, 'at the cap, nothing to do');
      assert.equal(await logs.trim('nobody', 1), 0);
      await logs.insert(entries(10, 11, oldest(2)));
      assert.deepEqual(await kept(), ['log_009', 'log_010'], 'a batch takes what a lowered cap left over');
      assert.equal(await logs.count({ gateway: 'open' }), 2);
    });

    test('two handles writing at once never pass a stop_inserting cap together', async () => {
      const batches = Array.from({ length: 10 }, (_, n) => entries(n * 3, n * 3 + 3, stop(7)));
      await Promise.all(
        batches.map((batch, n) => (n % 2 === 0 ? backend.logs : backend.other).insert(batch)),
      );
      assert.equal(await backend.logs.count({ gateway: 'capped' }), 7);
      assert.equal(await backend.logs.spend({ gateway: 'capped' }, 0), 15, 'all 30 requests spent');
      await Promise.all([
        backend.logs.insert(entries(30, 40, oldest(7))),
        backend.other.insert(entries(40, 50, oldest(7))),
      ]);
      assert.equal(await backend.other.count({ gateway: 'capped' }), 7);
    });
  });
}
