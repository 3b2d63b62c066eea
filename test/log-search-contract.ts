import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogCondition, LogEntry, LogFilter, LogStore } from '../src/store/log-store.ts';
import { searchTerms } from '../src/api/log-search-words.ts';
import { logFixture } from './support/gateway-fixtures.ts';

const T0 = 1_767_225_600_000;

/** Five entries that differ in what search, filters and deletion read. */
export function searchFixtures(): LogEntry[] {
  return [
    logFixture('log_a', {
      createdAt: T0,
      requestBody: { model: 'openai/gpt-5.4-pro', input: 'Tell me about the Zanzibar archipelago' },
      responseBody: { output: [{ content: [{ type: 'output_text', text: 'Spice islands, mostly.' }] }] },
      metadata: { team: 'research', user: 'ana' },
      feedback: 1,
      prompt: { id: 'pmpt_support', version: '1' },
    }),
    logFixture('log_b', {
      createdAt: T0 + 1,
      model: 'local/stories260K',
      provider: 'local',
      modelType: 'Text Generation',
      stream: true,
      requestBody: { input: 'Once upon a time', image: 'data:image/png;base64,zanzibarzanzibar' },
      metadata: { team: 'stories' },
      prompt: { id: 'pmpt_support', version: '2' },
      feedback: -1,
      cost: 0,
      tokensIn: 3,
      tokensOut: 40,
      durationMs: 900,
    }),
    logFixture('log_c', {
      createdAt: T0 + 2,
      model: 'workers-ai/@cf/baai/bge-m3',
      provider: 'workers-ai',
      modelType: 'Text Embeddings',
      keyId: null,
      metadata: {},
      success: false,
      statusCode: 502,
      errorMessage: 'Upstream refused: quota exhausted',
      dlp: { action: 'BLOCK', findings: [] },
      cost: 2,
      durationMs: 30,
    }),
    logFixture('log_d', {
      createdAt: T0 + 3,
      cacheStatus: 'HIT',
      eventId: 'evt_checkout_7',
      metadata: { team: 'research', n: 7, ok: false },
      prompt: { id: 'pmpt_billing', version: '2' },
      dlp: { action: 'FLAG', findings: [] },
      tokensIn: 100,
      tokensOut: 1,
    }),
    logFixture('log_e', { createdAt: T0 + 4, project: 'beta', gateway: 'g2', metadata: { user: 'bo' } }),
  ];
}

/** Search (words in any field, bodies included), structured filters, bounds and deletion. */
export function describeLogSearch(
  name: string,
  open: () => Promise<{ logs: LogStore; cleanup: () => Promise<void> }>,
): void {
  describe(`log search and filters: ${name}`, () => {
    let logs: LogStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ logs, cleanup } = await open());
      await logs.insert(searchFixtures());
    });
    afterEach(async () => cleanup());

    const ids = async (filter: LogFilter) =>
      (await logs.query(filter, { limit: 100, order: 'asc' })).data.map((entry) => entry.id);
    const where = (...conditions: LogCondition[]) => ids({ conditions });

    test('search finds words, and the starts of words, in every field and in the kept bodies', async () => {
      const search = async (text: string) => ids({ search: searchTerms(text) });
      assert.deepEqual(await search('zanzibar'), ['log_a'], 'request text, not a data URL');
      assert.deepEqual(await search('SPICE isl'), ['log_a'], 'response text, any case, a word begun');
      assert.deepEqual(await search('stories260k'), ['log_b'], 'the model');
      assert.deepEqual(await search('workers'), ['log_c'], 'the provider');
      assert.deepEqual(await search('quota'), ['log_c'], 'the error');
      assert.deepEqual(await search('research'), ['log_a', 'log_d'], 'metadata values');
      assert.deepEqual(await search('checkout'), ['log_d'], 'the event id');
      assert.deepEqual(await search('gpt 5.4'), ['log_a', 'log_d', 'log_e'], 'words split at punctuation');
      assert.deepEqual(await search('zanzibar stories'), [], 'every word must match');
      assert.deepEqual(await search('upon'), ['log_b']);
      assert.deepEqual(await ids({ search: ['research'], project: 'alpha', success: true }), [
        'log_a',
        'log_d',
      ]);
      assert.equal(await logs.count({ search: ['research'] }), 2);
    });

    test('patched metadata is searched as it is now', async () => {
      await logs.patch('log_b', undefined, { metadata: { ticket: 'PX-4417' } });
      assert.deepEqual(await ids({ search: ['px', '4417'] }), ['log_b']);
      assert.deepEqual(await ids({ search: ['stories'] }), ['log_b'], 'the model is still there');
      assert.deepEqual(await ids({ search: ['upon'] }), ['log_b'], 'and the bodies');
      await logs.patch('log_a', undefined, { metadata: null });
      assert.deepEqual(await ids({ search: ['research'] }), ['log_d']);
    });

    test('text fields: eq any of the values, neq none of them, contains a part in either case', async () => {
      assert.deepEqual(await where({ field: 'model', operator: 'eq', values: ['local/stories260K'] }), [
        'log_b',
      ]);
      assert.deepEqual(await where({ field: 'provider', operator: 'eq', values: ['local', 'workers-ai'] }), [
        'log_b',
        'log_c',
      ]);
      assert.deepEqual(await where({ field: 'provider', operator: 'neq', values: ['openai'] }), [
        'log_b',
        'log_c',
      ]);
      assert.deepEqual(await where({ field: 'model', operator: 'contains', values: ['GPT', 'bge'] }), [
        'log_a',
        'log_c',
        'log_d',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'id', operator: 'eq', values: ['log_c'] }), ['log_c']);
      assert.deepEqual(await where({ field: 'event_id', operator: 'eq', values: [null] }), [
        'log_a',
        'log_b',
        'log_c',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'event_id', operator: 'contains', values: ['checkout'] }), [
        'log_d',
      ]);
      assert.deepEqual(await where({ field: 'model_type', operator: 'eq', values: ['Text Embeddings'] }), [
        'log_c',
      ]);
      assert.deepEqual(
        await where({ field: 'response_content_type', operator: 'eq', values: ['text/event-stream'] }),
        ['log_b'],
      );
      assert.equal(
        (await where({ field: 'request_content_type', operator: 'eq', values: ['application/json'] })).length,
        5,
      );
      // What a DLP policy did: blocked, flagged, or (no finding) nothing.
      assert.deepEqual(await where({ field: 'dlp_action', operator: 'eq', values: ['BLOCK'] }), ['log_c']);
      assert.deepEqual(await where({ field: 'dlp_action', operator: 'neq', values: ['BLOCK', null] }), [
        'log_d',
      ]);
      assert.deepEqual(await where({ field: 'dlp_action', operator: 'eq', values: [null] }), [
        'log_a',
        'log_b',
        'log_e',
      ]);
    });

    test('numbers and times: eq, neq, lt, gt; truths: eq, neq', async () => {
      assert.deepEqual(await where({ field: 'cost', operator: 'gt', values: [0.5] }), ['log_c']);
      assert.deepEqual(await where({ field: 'cost', operator: 'lt', values: [0.5] }), ['log_b']);
      assert.deepEqual(await where({ field: 'tokens', operator: 'eq', values: [43, 101] }), [
        'log_b',
        'log_d',
      ]);
      assert.deepEqual(await where({ field: 'tokens_in', operator: 'neq', values: [10] }), [
        'log_b',
        'log_d',
      ]);
      assert.deepEqual(await where({ field: 'duration', operator: 'gt', values: [500] }), ['log_b']);
      assert.deepEqual(await where({ field: 'created_at', operator: 'gt', values: [T0 + 2] }), [
        'log_d',
        'log_e',
      ]);
      assert.deepEqual(
        await where(
          { field: 'created_at', operator: 'gt', values: [T0] },
          { field: 'created_at', operator: 'lt', values: [T0 + 3] },
        ),
        ['log_b', 'log_c'],
      );
      assert.deepEqual(await where({ field: 'success', operator: 'eq', values: [false] }), ['log_c']);
      assert.deepEqual(await where({ field: 'cached', operator: 'eq', values: [true] }), ['log_d']);
      assert.deepEqual(await where({ field: 'cached', operator: 'neq', values: [true] }), [
        'log_a',
        'log_b',
        'log_c',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'authentication', operator: 'eq', values: [false] }), ['log_c']);
      assert.equal((await where({ field: 'wholesale', operator: 'eq', values: [false] })).length, 5);
    });

    test('feedback and metadata', async () => {
      assert.deepEqual(await where({ field: 'feedback', operator: 'eq', values: [1] }), ['log_a']);
      assert.deepEqual(await where({ field: 'feedback', operator: 'eq', values: [-1] }), ['log_b']);
      assert.deepEqual(await where({ field: 'feedback', operator: 'eq', values: [null] }), [
        'log_c',
        'log_d',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'feedback', operator: 'neq', values: [1] }), [
        'log_b',
        'log_c',
        'log_d',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'metadata.key', operator: 'eq', values: ['user'] }), [
        'log_a',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'metadata.key', operator: 'neq', values: ['team'] }), [
        'log_c',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'metadata.value', operator: 'eq', values: ['research'] }), [
        'log_a',
        'log_d',
      ]);
      assert.deepEqual(await where({ field: 'metadata.value', operator: 'eq', values: ['7'] }), ['log_d']);
      assert.deepEqual(await where({ field: 'metadata.value', operator: 'eq', values: ['false'] }), [
        'log_d',
      ]);
      assert.deepEqual(await where({ field: 'metadata.value', operator: 'contains', values: ['STOR'] }), [
        'log_b',
      ]);
    });

    test('the stored prompt: its id and its version, as text; none is null', async () => {
      assert.deepEqual(await where({ field: 'prompt_id', operator: 'eq', values: ['pmpt_support'] }), [
        'log_a',
        'log_b',
      ]);
      assert.deepEqual(await where({ field: 'prompt_version', operator: 'eq', values: ['2'] }), [
        'log_b',
        'log_d',
      ]);
      assert.deepEqual(
        await where(
          { field: 'prompt_id', operator: 'eq', values: ['pmpt_support'] },
          { field: 'prompt_version', operator: 'eq', values: ['2'] },
        ),
        ['log_b'],
      );
      assert.deepEqual(await where({ field: 'prompt_id', operator: 'neq', values: ['pmpt_support'] }), [
        'log_c',
        'log_d',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'prompt_id', operator: 'eq', values: [null] }), [
        'log_c',
        'log_e',
      ]);
      assert.deepEqual(await where({ field: 'prompt_id', operator: 'contains', values: ['BILL'] }), [
        'log_d',
      ]);
      assert.deepEqual(await where({ field: 'prompt_version', operator: 'neq', values: ['1', null] }), [
        'log_b',
        'log_d',
      ]);
      assert.equal(
        await logs.count({
          project: 'alpha',
          conditions: [{ field: 'prompt_id', operator: 'eq', values: ['pmpt_billing'] }],
        }),
        1,
      );
    });

    test('ordered by what a deletion may order by', async () => {
      const order = async (
        orderBy: 'cost' | 'feedback' | 'model_type' | 'duration',
        direction: 'asc' | 'desc',
      ) => (await logs.query({}, { limit: 100, order: direction, orderBy })).data.map((entry) => entry.id);
      assert.deepEqual(await order('cost', 'desc'), ['log_c', 'log_e', 'log_d', 'log_a', 'log_b']);
      assert.deepEqual(await order('feedback', 'asc'), ['log_b', 'log_a', 'log_c', 'log_d', 'log_e']);
      assert.deepEqual((await order('model_type', 'asc'))[0], 'log_c');
      assert.deepEqual(await order('duration', 'asc'), ['log_c', 'log_a', 'log_d', 'log_e', 'log_b']);
    });

    test('bounds: the least and greatest of each measure of what a filter finds', async () => {
      const bounds = await logs.bounds({ project: 'alpha' });
      assert.deepEqual(bounds.cost, { min: 0, max: 2 });
      assert.deepEqual(bounds.duration, { min: 30, max: 900 });
      assert.deepEqual(bounds.tokens_in, { min: 3, max: 100 });
      assert.deepEqual(bounds.total_tokens, { min: 30, max: 101 });
      assert.deepEqual(await logs.bounds({ project: 'nobody' }), {
        cost: null,
        duration: null,
        tokens_in: null,
        tokens_out: null,
        total_tokens: null,
      });
    });

    test('delete removes what a filter finds, in order, up to a limit, bodies and search text with it', async () => {
      assert.equal(
        await logs.delete({ project: 'alpha', search: ['research'] }, { order: 'asc', limit: 1 }),
        1,
      );
      assert.equal(await logs.get('log_a'), undefined);
      assert.deepEqual(await ids({ search: ['research'] }), ['log_d']);
      assert.deepEqual(await ids({ search: ['zanzibar'] }), []);
      assert.equal(
        await logs.delete(
          { conditions: [{ field: 'cost', operator: 'gt', values: [0] }] },
          {
            order: 'desc',
            orderBy: 'cost',
            limit: 2,
          },
        ),
        2,
      );
      assert.deepEqual(await ids({}), ['log_b', 'log_d']);
      assert.equal(await logs.delete({ project: 'beta' }, { order: 'desc' }), 0);
      assert.equal(await logs.delete({}, { order: 'desc' }), 2);
      assert.equal(await logs.count({}), 0);
      // The spend the entries added is kept: limits count what was spent, not what is logged.
      assert.ok((await logs.spend({ gateway: 'default' }, T0)) > 0);
      await logs.insert([logFixture('log_f', { requestBody: { input: 'zanzibar again' } })]);
      assert.deepEqual(await ids({ search: ['zanzibar'] }), ['log_f']);
    });
  });
}
