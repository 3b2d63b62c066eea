import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isolatedPoints } from '../dashboard/src/components/chart-series.ts';
import { chartData } from '../dashboard/src/pages/overview-series.ts';
import { DEFAULT_SETTINGS, playgroundRequest } from '../dashboard/src/pages/playground-request.ts';
import { promptFilters } from '../dashboard/src/pages/prompt-filter.ts';
import type { AnalyticsRow } from '../dashboard/src/types.ts';

const row = (time: number, group: string | null, requests: number): AnalyticsRow => ({
  time,
  group,
  requests,
  errors: 0,
  cache_hits: requests,
  tokens_in: 0,
  tokens_cached: 0,
  tokens_out: 0,
  tokens_reasoning: 0,
  cost: 0,
  latency_p50: 0,
  latency_p95: 0,
  time_to_first_token_p50: null,
});

describe("the dashboard's pure parts", () => {
  test('chart lines cover every bucket of the range, one per group, gaps as zero or null', () => {
    const rows = [row(120, 'a', 2), row(240, 'a', 1), row(240, 'b', 5)];
    const range = { from: 100, to: 300, bucket: 60 };
    assert.deepEqual(
      chartData(rows, range, 'all', (r) => r.requests, 0),
      {
        times: [60, 120, 180, 240],
        series: [
          { label: 'a', values: [0, 2, 0, 1] },
          { label: 'b', values: [0, 0, 0, 5] },
        ],
      },
    );
    assert.deepEqual(
      chartData([row(180, null, 4)], range, 'hit rate', (r) => r.cache_hits / r.requests, null).series,
      [{ label: 'hit rate', values: [null, null, 1, null] }],
    );
  });

  test('a value between gaps, which no line segment draws, is a dot', () => {
    assert.deepEqual(isolatedPoints([null, null, 42]), [2], 'one busy bucket at the edge of a quiet range');
    assert.deepEqual(isolatedPoints([7, null, 1, 2, null, 0, null]), [0, 5]);
    assert.equal(isolatedPoints([1, 2, null, null]), null);
  });

  test('the playground builds a chained request with its settings, tools and schema', () => {
    const request = playgroundRequest(
      {
        ...DEFAULT_SETTINGS,
        model: 'local/stories260K',
        instructions: 'Be brief.',
        temperature: '0.5',
        maxOutputTokens: '40',
        effort: 'low',
        tools: '[{"type":"function","name":"f","parameters":{"type":"object"}}]',
        schema: '{"type":"object","properties":{"a":{"type":"string"}}}',
      },
      'hi',
      'resp_1',
    );
    assert.deepEqual(request, {
      model: 'local/stories260K',
      input: 'hi',
      store: true,
      previous_response_id: 'resp_1',
      instructions: 'Be brief.',
      temperature: 0.5,
      max_output_tokens: 40,
      reasoning: { effort: 'low' },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }],
      text: {
        format: {
          type: 'json_schema',
          name: 'output',
          strict: true,
          schema: { type: 'object', properties: { a: { type: 'string' } } },
        },
      },
    });
    assert.deepEqual(playgroundRequest({ ...DEFAULT_SETTINGS, model: 'm' }, 'hi', undefined), {
      model: 'm',
      input: 'hi',
      store: true,
    });
    assert.throws(
      () => playgroundRequest({ ...DEFAULT_SETTINGS, model: 'm', tools: '[{' }, 'hi', undefined),
      /^Error: Tools is not valid JSON/,
    );
  });

  test("with a stored prompt: its variables as filled in, the prompt's model unless one is chosen", () => {
    const withPrompt = { ...DEFAULT_SETTINGS, prompt: 'pmpt_1' };
    assert.deepEqual(playgroundRequest(withPrompt, '', undefined, { animal: 'a cat', place: '' }), {
      store: true,
      prompt: { id: 'pmpt_1', variables: { animal: 'a cat' } },
    });
    assert.deepEqual(
      playgroundRequest({ ...withPrompt, model: 'm', promptVersion: '2' }, 'hi', 'resp_1', { place: '' }),
      {
        store: true,
        model: 'm',
        input: 'hi',
        prompt: { id: 'pmpt_1', version: '2' },
        previous_response_id: 'resp_1',
      },
    );
  });

  test("the logs' Prompt box: an id, or an id and a version, as the API's filters", () => {
    assert.equal(promptFilters('  '), undefined);
    assert.deepEqual(JSON.parse(promptFilters(' pmpt_a ')!), [
      { key: 'prompt_id', operator: 'eq', value: ['pmpt_a'] },
    ]);
    assert.deepEqual(JSON.parse(promptFilters('pmpt_a@3')!), [
      { key: 'prompt_id', operator: 'eq', value: ['pmpt_a'] },
      { key: 'prompt_version', operator: 'eq', value: ['3'] },
    ]);
    assert.deepEqual(JSON.parse(promptFilters('pmpt_a@')!), [
      { key: 'prompt_id', operator: 'eq', value: ['pmpt_a'] },
    ]);
  });
});
