import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/api/errors.ts';
import type { LogEntry, LogStore } from '../src/store/log-store.ts';
import type { Stores } from '../src/store/stores.ts';
import { gatewayFixture, keyFixture, logFixture } from './support/gateway-fixtures.ts';

const HOUR = 3_600_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, an hour boundary

/** The behaviour every backend's keys, gateways and logs owe; each test gets fresh, empty stores. */
export function describeGatewayStores(
  name: string,
  open: () => Promise<{ stores: Stores; cleanup: () => Promise<void> }>,
): void {
  describe(`gateway stores contract: ${name}`, () => {
    let stores: Stores;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ stores, cleanup } = await open()));
    afterEach(async () => cleanup());

    describe('keys', () => {
      test('insert, then find by hash or id, exactly as given', async () => {
        const key = keyFixture('key_1', { scopes: { admin: true, gateways: ['g1'] }, defaultGateway: 'g1' });
        await stores.keys.insert(key, 'hash_1');
        assert.deepEqual(await stores.keys.findByHash('hash_1'), key);
        assert.deepEqual(await stores.keys.get('key_1'), key);
        assert.equal(await stores.keys.findByHash('hash_other'), undefined);
        assert.equal(await stores.keys.get('key_other'), undefined);
      });

      test('a hash or id taken already is refused, and the first key kept', async () => {
        await stores.keys.insert(keyFixture('key_1'), 'hash_1');
        await assert.rejects(stores.keys.insert(keyFixture('key_2'), 'hash_1'));
        await assert.rejects(stores.keys.insert(keyFixture('key_1'), 'hash_2'));
        assert.equal((await stores.keys.findByHash('hash_1'))?.id, 'key_1');
        assert.equal(await stores.keys.findByHash('hash_2'), undefined);
      });

      test('list: newest first, by project, revoked only when asked', async () => {
        await stores.keys.insert(keyFixture('key_1', { createdAt: T0 }), 'h1');
        await stores.keys.insert(keyFixture('key_2', { createdAt: T0 + 1, project: 'beta' }), 'h2');
        await stores.keys.insert(keyFixture('key_3', { createdAt: T0 + 2 }), 'h3');
        await stores.keys.revoke('key_3', T0 + 5);
        const ids = async (filter: Parameters<Stores['keys']['list']>[0]) =>
          (await stores.keys.list(filter)).map((key) => key.id);
        assert.deepEqual(await ids({}), ['key_2', 'key_1']);
        assert.deepEqual(await ids({ includeRevoked: true }), ['key_3', 'key_2', 'key_1']);
        assert.deepEqual(await ids({ project: 'alpha', includeRevoked: true }), ['key_3', 'key_1']);
        assert.deepEqual(await ids({ project: 'beta' }), ['key_2']);
        assert.deepEqual(await ids({ project: 'nobody' }), []);
      });

      test('update patches what it is given and returns the record; an unknown key is undefined', async () => {
        await stores.keys.insert(keyFixture('key_1'), 'h1');
        const patched = await stores.keys.update('key_1', {
          name: 'renamed',
          rateLimit: null,
          expiresAt: T0 + HOUR,
        });
        const expected = { ...keyFixture('key_1'), name: 'renamed', rateLimit: null, expiresAt: T0 + HOUR };
        assert.deepEqual(patched, expected);
        assert.deepEqual(await stores.keys.findByHash('h1'), expected);
        assert.equal(await stores.keys.update('key_other', { name: 'x' }), undefined);
      });

      test('revoke once: the key stays findable, marked revoked', async () => {
        await stores.keys.insert(keyFixture('key_1'), 'h1');
        assert.equal(await stores.keys.revoke('key_1', T0 + 7), true);
        assert.equal(await stores.keys.revoke('key_1', T0 + 9), false);
        assert.equal(await stores.keys.revoke('key_other', T0), false);
        assert.equal((await stores.keys.findByHash('h1'))?.revokedAt, T0 + 7);
        assert.equal((await stores.keys.update('key_1', { name: 'x' }))?.revokedAt, T0 + 7);
      });

      test('anyActive and anyAdmin ignore revoked keys; anyAdmin ignores expired ones', async () => {
        assert.equal(await stores.keys.anyActive(), false);
        assert.equal(await stores.keys.anyAdmin(T0), false);
        await stores.keys.insert(keyFixture('key_user'), 'h1');
        assert.equal(await stores.keys.anyActive(), true);
        assert.equal(await stores.keys.anyAdmin(T0), false);
        await stores.keys.insert(
          keyFixture('key_admin', { scopes: { admin: true }, expiresAt: T0 + HOUR }),
          'h2',
        );
        assert.equal(await stores.keys.anyAdmin(T0), true);
        assert.equal(await stores.keys.anyAdmin(T0 + HOUR), false);
        await stores.keys.revoke('key_admin', T0);
        await stores.keys.revoke('key_user', T0);
        assert.equal(await stores.keys.anyAdmin(T0), false);
        assert.equal(await stores.keys.anyActive(), false);
      });
    });

    describe('gateways', () => {
      test('put, get, list by id, replace, delete once', async () => {
        const b = gatewayFixture('b', {
          cacheTtlS: 60,
          rateLimit: { limit: 5, periodMs: 1000, technique: 'fixed' },
          dlp: {
            enabled: true,
            policies: [{ id: 'p', enabled: true, profiles: ['staff'], action: 'BLOCK', check: ['RESPONSE'] }],
            custom_profiles: [{ id: 'staff', entries: [{ id: 'badge', pattern: 'EMP-[0-9]{6}' }] }],
          },
          guardrails: {
            enabled: true,
            model: '@cf/meta/llama-guard-3-8b',
            prompt_guard_model: null,
            prompt: { S1: 'BLOCK', S10: 'IGNORE' },
            response: { S2: 'FLAG' },
          },
        });
        await stores.gateways.put(b);
        await stores.gateways.put(gatewayFixture('a'));
        assert.deepEqual(await stores.gateways.get('b'), b);
        assert.equal(await stores.gateways.get('c'), undefined);
        assert.deepEqual(
          (await stores.gateways.list()).map((gateway) => gateway.id),
          ['a', 'b'],
        );
        const { dlp: _off, ...withoutDlp } = b;
        const replaced = { ...withoutDlp, cacheTtlS: 0, spendLimit: { limitUsd: 1, periodMs: HOUR } };
        await stores.gateways.put(replaced);
        assert.deepEqual(await stores.gateways.get('b'), replaced);
        assert.equal(await stores.gateways.delete('b'), true);
        assert.equal(await stores.gateways.delete('b'), false);
        assert.deepEqual(await stores.gateways.list(), [gatewayFixture('a')]);
      });
    });

    describe('logs', () => {
      let logs: LogStore;
      beforeEach(() => (logs = stores.logs));
      const ids = (entries: readonly LogEntry[]) => entries.map((entry) => entry.id);

      test('insert then get: every field as given, bodies included; scoped to a project when one is named', async () => {
        const plain = logFixture('log_1');
        const withBodies = logFixture('log_2', {
          requestBody: { model: 'm', input: 'ünïcødé' },
          responseBody: { output_text: 'hi' },
          timeline: [{ type: 'response.output_text.delta', at: 12, count: 3 }],
          feedback: 1,
          score: 42,
        });
        await logs.insert([plain, withBodies]);
        await logs.insert([]);
        assert.deepEqual(await logs.get('log_1'), plain);
        assert.deepEqual(await logs.get('log_2'), withBodies);
        assert.deepEqual(await logs.get('log_2', 'alpha'), withBodies);
        assert.equal(await logs.get('log_2', 'beta'), undefined);
        assert.equal(await logs.get('log_3'), undefined);
      });

      test('a batch with a duplicate id is refused whole', async () => {
        await logs.insert([logFixture('log_1')]);
        await assert.rejects(logs.insert([logFixture('log_2'), logFixture('log_1')]));
        assert.equal(await logs.get('log_2'), undefined);
        assert.equal(await logs.spend({ gateway: 'default' }, T0), 0.5);
      });

      test('query: every filter, alone', async () => {
        await logs.insert([
          logFixture('log_a', { createdAt: T0 }),
          logFixture('log_b', { createdAt: T0 + 1, project: 'beta', keyId: null, gateway: 'g2' }),
          logFixture('log_c', { createdAt: T0 + 2, model: 'local/x', provider: 'local', cost: 0 }),
          logFixture('log_d', { createdAt: T0 + 3, success: false, statusCode: 502, cacheStatus: null }),
          logFixture('log_e', { createdAt: T0 + 4, cacheStatus: 'HIT', eventId: 'evt_1', keyId: 'key_b' }),
        ]);
        const query = async (filter: Parameters<LogStore['query']>[0]) =>
          ids((await logs.query(filter, { limit: 100, order: 'asc' })).data);
        assert.deepEqual(await query({}), ['log_a', 'log_b', 'log_c', 'log_d', 'log_e']);
        assert.deepEqual(await query({ project: 'beta' }), ['log_b']);
        assert.deepEqual(await query({ gateway: 'g2' }), ['log_b']);
        assert.deepEqual(await query({ model: 'local/x' }), ['log_c']);
        assert.deepEqual(await query({ provider: 'local' }), ['log_c']);
        assert.deepEqual(await query({ keyId: 'key_b' }), ['log_e']);
        assert.deepEqual(await query({ success: false }), ['log_d']);
        assert.deepEqual(await query({ success: true }), ['log_a', 'log_b', 'log_c', 'log_e']);
        assert.deepEqual(await query({ cached: true }), ['log_e']);
        assert.deepEqual(await query({ cached: false }), ['log_a', 'log_b', 'log_c', 'log_d']);
        assert.deepEqual(await query({ eventId: 'evt_1' }), ['log_e']);
        assert.deepEqual(await query({ from: T0 + 1, to: T0 + 3 }), ['log_b', 'log_c']);
        assert.deepEqual(await query({ project: 'alpha', success: true, from: T0 + 1 }), ['log_c', 'log_e']);
      });

      test('query: bounds on cost, duration and tokens (inclusive), and count', async () => {
        const measured = (id: string, n: number, extra: Partial<LogEntry> = {}) =>
          logFixture(id, {
            createdAt: T0 + n,
            cost: n / 10,
            durationMs: n * 100,
            tokensIn: n * 10,
            tokensOut: n,
            ...extra,
          });
        await logs.insert([
          measured('log_1', 1),
          measured('log_2', 2),
          measured('log_3', 3, { gateway: 'g2' }),
        ]);
        const query = async (filter: Parameters<LogStore['query']>[0]) =>
          ids((await logs.query(filter, { limit: 100, order: 'asc' })).data);
        assert.deepEqual(await query({ ranges: { cost: { min: 0.2 } } }), ['log_2', 'log_3']);
        assert.deepEqual(await query({ ranges: { duration: { max: 200 } } }), ['log_1', 'log_2']);
        assert.deepEqual(await query({ ranges: { tokens_in: { min: 20, max: 20 } } }), ['log_2']);
        assert.deepEqual(await query({ ranges: { tokens_out: { max: 1 } } }), ['log_1']);
        assert.deepEqual(await query({ ranges: { total_tokens: { min: 33 } } }), ['log_3']);
        assert.equal(await logs.count({}), 3);
        assert.equal(await logs.count({ gateway: 'g2' }), 1);
        assert.equal(await logs.count({ ranges: { cost: { min: 1 } } }), 0);
      });

      test('query pages by offset, ordered by a field first (missing values last), then time', async () => {
        await logs.insert([
          logFixture('log_1', { createdAt: T0, model: 'b' }),
          logFixture('log_2', { createdAt: T0 + 1, model: null, provider: null }),
          logFixture('log_3', { createdAt: T0 + 2, model: 'a' }),
          logFixture('log_4', { createdAt: T0 + 3, model: 'b', cacheStatus: 'HIT' }),
        ]);
        const page = async (query: Parameters<LogStore['query']>[1]) =>
          ids((await logs.query({}, query)).data);
        assert.deepEqual(await page({ limit: 2, order: 'desc', offset: 2 }), ['log_2', 'log_1']);
        assert.deepEqual(await page({ limit: 2, order: 'desc', offset: 4 }), []);
        assert.deepEqual(await page({ limit: 10, order: 'asc', orderBy: 'model' }), [
          'log_3',
          'log_1',
          'log_4',
          'log_2',
        ]);
        assert.deepEqual(await page({ limit: 10, order: 'desc', orderBy: 'model' }), [
          'log_4',
          'log_1',
          'log_3',
          'log_2',
        ]);
        assert.deepEqual(await page({ limit: 1, order: 'desc', orderBy: 'cached' }), ['log_4']);
        const hasMore = (await logs.query({}, { limit: 2, order: 'asc', offset: 1 })).hasMore;
        assert.equal(hasMore, true);
      });

      test('query pages by cursor both ways, ties on the time broken by id', async () => {
        await logs.insert(
          ['log_5', 'log_1', 'log_4', 'log_2', 'log_3'].map((id, n) =>
            logFixture(id, { createdAt: T0 + (n < 3 ? 0 : 1000) }),
          ),
        );
        const pages = async (order: 'asc' | 'desc') => {
          const seen: string[][] = [];
          let after: string | undefined;
          for (;;) {
            const page = await logs.query({}, { limit: 2, order, ...(after ? { after } : {}) });
            seen.push(ids(page.data));
            if (!page.hasMore) return seen;
            after = page.data.at(-1)!.id;
          }
        };
        assert.deepEqual(await pages('asc'), [['log_1', 'log_4'], ['log_5', 'log_2'], ['log_3']]);
        assert.deepEqual(await pages('desc'), [['log_3', 'log_2'], ['log_5', 'log_4'], ['log_1']]);
        await assert.rejects(
          logs.query({}, { limit: 2, order: 'asc', after: 'log_missing' }),
          (error: unknown) => error instanceof ApiError && error.status === 400 && error.param === 'after',
        );
        // Read within a project, another project's log is no cursor: unknown, as a made-up id.
        await logs.insert([logFixture('log_6', { project: 'beta', createdAt: T0 + 2000 })]);
        assert.deepEqual(ids((await logs.query({ project: 'beta' }, { limit: 2, order: 'asc' })).data), [
          'log_6',
        ]);
        await assert.rejects(
          logs.query({ project: 'beta' }, { limit: 2, order: 'asc', after: 'log_1' }),
          (error: unknown) => error instanceof ApiError && error.status === 400 && error.param === 'after',
        );
      });

      test('patch: feedback, score and metadata, scoped to the project; unknown is undefined', async () => {
        await logs.insert([logFixture('log_1', { requestBody: { input: 'kept' } })]);
        const patched = await logs.patch('log_1', 'alpha', {
          feedback: -1,
          score: 7,
          metadata: { tag: 'x' },
        });
        const expected = {
          ...logFixture('log_1', { requestBody: { input: 'kept' } }),
          feedback: -1 as const,
          score: 7,
          metadata: { tag: 'x' },
        };
        assert.deepEqual(patched, expected);
        assert.deepEqual(await logs.get('log_1'), expected);
        assert.equal(await logs.patch('log_1', 'beta', { score: 1 }), undefined);
        assert.equal(await logs.patch('log_missing', undefined, { score: 1 }), undefined);
        const cleared = await logs.patch('log_1', undefined, { feedback: null, metadata: null });
        assert.deepEqual([cleared?.feedback, cleared?.score, cleared?.metadata], [null, 7, {}]);
      });

      test('tail: the position now, then entries in the order they were written, filtered', async () => {
        await logs.insert([logFixture('log_old')]);
        const start = await logs.tail({}, undefined, 10);
        assert.deepEqual(start.data, []);
        // A long request that began early is written late: it still follows.
        await logs.insert([logFixture('log_1', { createdAt: T0 + 5000 })]);
        await logs.insert([
          logFixture('log_2', { createdAt: T0 - 5000, project: 'beta' }),
          logFixture('log_3'),
        ]);
        const all = await logs.tail({}, start.cursor, 10);
        assert.deepEqual(ids(all.data), ['log_1', 'log_2', 'log_3']);
        const first = await logs.tail({}, start.cursor, 2);
        assert.deepEqual(ids(first.data), ['log_1', 'log_2']);
        assert.deepEqual(ids((await logs.tail({}, first.cursor, 2)).data), ['log_3']);
        assert.deepEqual(ids((await logs.tail({ project: 'beta' }, start.cursor, 10)).data), ['log_2']);
        const end = await logs.tail({}, all.cursor, 10);
        assert.deepEqual([end.data, end.cursor], [[], all.cursor]);
      });

      test('spend: per key and per gateway since a time, in hourly buckets', async () => {
        await logs.insert([
          logFixture('log_1', { createdAt: T0 + 10, cost: 0.25 }),
          logFixture('log_2', { createdAt: T0 + HOUR + 10, cost: 1, keyId: 'key_b' }),
          logFixture('log_3', { createdAt: T0 + 2 * HOUR, cost: 2, keyId: null, gateway: 'g2' }),
          logFixture('log_4', { createdAt: T0 + 2 * HOUR, cost: 0 }),
          // The same key and hour as log_1, in the same batch: the two add up.
          logFixture('log_5', { createdAt: T0 + 20, cost: 0.5 }),
        ]);
        assert.equal(await logs.spend({ keyId: 'key_a' }, T0), 0.75);
        assert.equal(await logs.spend({ keyId: 'key_b' }, T0), 1);
        assert.equal(await logs.spend({ gateway: 'default' }, T0), 1.75);
        // A window that starts mid-hour counts the whole hour: at most an hour early.
        assert.equal(await logs.spend({ gateway: 'default' }, T0 + HOUR + 30), 1);
        assert.equal(await logs.spend({ gateway: 'default' }, T0 + 2 * HOUR), 0);
        assert.equal(await logs.spend({ gateway: 'g2' }, 0), 2);
        assert.equal(await logs.spend({ keyId: 'key_none' }, 0), 0);
      });

      test("spend: an entry's own scopes (a route's counter, a spend rule's bucket) count its cost too", async () => {
        await logs.insert([
          logFixture('log_1', { createdAt: T0, cost: 0.25, spendScopes: [{ route: 'r' }, { rule: 'b1' }] }),
          logFixture('log_2', { createdAt: T0 + 10, cost: 0.5, spendScopes: [{ rule: 'b1' }] }),
        ]);
        assert.equal(await logs.spend({ route: 'r' }, T0), 0.25);
        assert.equal(await logs.spend({ rule: 'b1' }, T0), 0.75);
        assert.equal(await logs.spend({ rule: 'r' }, T0), 0, 'a rule and a route of one name are apart');
        assert.equal((await logs.get('log_1'))?.spendScopes, undefined, 'the scopes are not kept');
      });

      test('spend: entries not logged add their cost and are not kept', async () => {
        await logs.insert(
          [logFixture('log_1', { createdAt: T0, cost: 0.25 })],
          [logFixture('log_2', { createdAt: T0 + 10, cost: 0.5 })],
        );
        await logs.insert([], [logFixture('log_3', { createdAt: T0 + 20, cost: 1 })]);
        assert.equal(await logs.spend({ keyId: 'key_a' }, T0), 1.75);
        assert.equal(await logs.spend({ gateway: 'default' }, T0), 1.75);
        assert.deepEqual(
          (await logs.query({}, { limit: 10, order: 'asc' })).data.map((entry) => entry.id),
          ['log_1'],
        );
        assert.equal(await logs.get('log_2'), undefined);
      });

      test('prune: entries before the time go, with their bodies; spend stays a bucket longer', async () => {
        await logs.insert([
          logFixture('log_1', { createdAt: T0, requestBody: { x: 1 } }),
          logFixture('log_2', { createdAt: T0 + HOUR }),
          logFixture('log_3', { createdAt: T0 + 3 * HOUR }),
        ]);
        assert.equal(await logs.prune(T0 + 2 * HOUR), 2);
        assert.equal(await logs.prune(T0 + 2 * HOUR), 0);
        assert.deepEqual(ids((await logs.query({}, { limit: 10, order: 'asc' })).data), ['log_3']);
        assert.equal(await logs.get('log_1'), undefined);
        assert.equal(await logs.spend({ gateway: 'default' }, 0), 1);
      });
    });
  });
}
