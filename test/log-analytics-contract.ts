import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry, LogFilter, LogStore } from '../src/store/log-store.ts';
import type { Stores } from '../src/store/stores.ts';
import { logFixture } from './support/gateway-fixtures.ts';

const HOUR = 3_600_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, an hour boundary

/** What every backend's log analytics owe: sums, percentiles and groups (metadata and prompts too); each test gets fresh, empty stores. */
export function describeLogAnalytics(
  name: string,
  open: () => Promise<{ stores: Stores; cleanup: () => Promise<void> }>,
): void {
  describe(`log analytics contract: ${name}`, () => {
    let logs: LogStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      const opened = await open();
      logs = opened.stores.logs;
      cleanup = opened.cleanup;
    });
    afterEach(async () => cleanup());

    test("analytics: grouped by a metadata key's values, as text; absent is null", async () => {
      const user = (id: string, value: string | number | boolean | undefined, cost: number) =>
        logFixture(id, {
          createdAt: T0,
          cost,
          metadata: value === undefined ? {} : { user: value, team: 'x' },
        });
      await logs.insert([
        user('log_1', 'ada', 1),
        user('log_2', 'ada', 2),
        user('log_3', 'bob', 4),
        user('log_4', undefined, 8),
        user('log_5', true, 16),
        user('log_6', 7, 32),
      ]);
      const rows = await logs.analytics({ bucketMs: 0, groupBy: 'metadata.user' });
      assert.deepEqual(Object.fromEntries(rows.map((row) => [String(row.group), [row.requests, row.cost]])), {
        ada: [2, 3],
        bob: [1, 4],
        null: [1, 8],
        true: [1, 16],
        '7': [1, 32],
      });
      const byTeam = await logs.analytics({ bucketMs: 0, groupBy: 'metadata.team' });
      assert.deepEqual(byTeam.map((row) => [row.group, row.requests]).sort(), [
        [null, 1],
        ['x', 5],
      ]);
    });

    test('analytics: grouped by stored prompt, and by prompt and version; none is null', async () => {
      const served = (id: string, prompt: LogEntry['prompt'], cost: number, success = true) =>
        logFixture(id, { createdAt: T0, cost, success, ...(prompt ? { prompt } : {}) });
      await logs.insert([
        served('log_1', { id: 'pmpt_a', version: '1' }, 1),
        served('log_2', { id: 'pmpt_a', version: '2' }, 2, false),
        served('log_3', { id: 'pmpt_a', version: '2' }, 4),
        served('log_4', { id: 'pmpt_b', version: '1' }, 8),
        served('log_5', undefined, 16),
      ]);
      const grouped = async (groupBy: 'prompt' | 'prompt_version', filter: LogFilter = {}) =>
        Object.fromEntries(
          (await logs.analytics({ ...filter, bucketMs: 0, groupBy })).map((row) => [
            String(row.group),
            [row.requests, row.errors, row.cost],
          ]),
        );
      assert.deepEqual(await grouped('prompt'), {
        pmpt_a: [3, 1, 7],
        pmpt_b: [1, 0, 8],
        null: [1, 0, 16],
      });
      // Version 1 of two prompts: two groups.
      assert.deepEqual(await grouped('prompt_version'), {
        'pmpt_a@1': [1, 0, 1],
        'pmpt_a@2': [2, 1, 6],
        'pmpt_b@1': [1, 0, 8],
        null: [1, 0, 16],
      });
      const onlyA = {
        conditions: [{ field: 'prompt_id' as const, operator: 'eq' as const, values: ['pmpt_a'] }],
      };
      assert.deepEqual(await grouped('prompt_version', onlyA), {
        'pmpt_a@1': [1, 0, 1],
        'pmpt_a@2': [2, 1, 6],
      });
    });

    test('analytics: sums and nearest-rank percentiles per bucket and group', async () => {
      const entries = [
        ...[10, 20, 30, 40].map((ms, n) =>
          logFixture(`log_a${n}`, { createdAt: T0 + n, durationMs: ms, ttftMs: ms / 2, model: 'm1' }),
        ),
        logFixture('log_b0', {
          createdAt: T0 + 5,
          durationMs: 500,
          ttftMs: null,
          model: 'm2',
          success: false,
          cost: 0,
        }),
        logFixture('log_c0', {
          createdAt: T0 + HOUR,
          durationMs: 7,
          ttftMs: null,
          model: 'm1',
          cacheStatus: 'HIT',
        }),
      ];
      await logs.insert(entries);
      const rows = await logs.analytics({ bucketMs: HOUR, groupBy: 'model' });
      assert.deepEqual(rows, [
        {
          bucket: T0,
          group: 'm1',
          requests: 4,
          errors: 0,
          cacheHits: 0,
          tokensIn: 40,
          tokensCached: 8,
          tokensOut: 80,
          tokensReasoning: 20,
          cost: 2,
          latencyP50: 20,
          latencyP95: 40,
          ttftP50: 10,
        },
        {
          bucket: T0,
          group: 'm2',
          requests: 1,
          errors: 1,
          cacheHits: 0,
          tokensIn: 10,
          tokensCached: 2,
          tokensOut: 20,
          tokensReasoning: 5,
          cost: 0,
          latencyP50: 500,
          latencyP95: 500,
          ttftP50: null,
        },
        {
          bucket: T0 + HOUR,
          group: 'm1',
          requests: 1,
          errors: 0,
          cacheHits: 1,
          tokensIn: 10,
          tokensCached: 2,
          tokensOut: 20,
          tokensReasoning: 5,
          cost: 0.5,
          latencyP50: 7,
          latencyP95: 7,
          ttftP50: null,
        },
      ]);
      const whole = await logs.analytics({ bucketMs: 24 * HOUR, from: T0, to: T0 + HOUR });
      assert.deepEqual(
        whole.map((row) => [row.bucket, row.group, row.requests, row.errors, row.latencyP50, row.latencyP95]),
        [[T0, null, 5, 1, 30, 500]],
      );
      const range = await logs.analytics({
        bucketMs: 0,
        from: T0 - 1,
        to: T0 + 2 * HOUR,
        groupBy: 'model',
      });
      assert.deepEqual(
        range.map((row) => [
          row.bucket,
          row.group,
          row.requests,
          row.cacheHits,
          row.latencyP50,
          row.latencyP95,
        ]),
        [
          [T0 - 1, 'm1', 5, 1, 20, 40],
          [T0 - 1, 'm2', 1, 0, 500, 500],
        ],
      );
      assert.deepEqual(await logs.analytics({ bucketMs: HOUR, project: 'nobody' }), []);
    });
  });
}
