import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import type { Turn } from '../src/providers/provider.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './support/scripted-provider.ts';

/** The upstream's refusal, not retried: the request fails, or falls back where its model has a fallback. */
const refused = () =>
  new ApiError({ status: 502, type: 'upstream_error', message: 'The upstream refused.', retryable: false });

/** The text of a turn's last user message. */
function lastInput(turn: Turn): string {
  const item = turn.items.at(-1);
  return item?.type === 'message'
    ? item.content.map((part) => ('text' in part ? part.text : '')).join('')
    : '';
}

type LogObject = { id: string; model: string; step: number; success: boolean; prompt: unknown };
type AnalyticsObject = { group: string | null; requests: number; errors: number };

/**
 * The stored prompt that served each request, through the real server: in the log objects,
 * in `filters` on `GET /v1/logs`, and as `group_by=prompt` and `prompt_version` of analytics.
 */
describe('stored prompts in the logs and analytics', () => {
  let gateway: GatewayUnderTest;
  let support: string;
  let fallback: string;
  // `test/down` always refuses (its fallback, test/echo, answers); so does any turn whose input is `fail`.
  const provider = new ScriptedProvider((turn) =>
    turn.model.id === 'test/down' || lastInput(turn) === 'fail' ? [refused()] : textEvents('Hello.', 7),
  );

  const post = async (path: string, body: unknown) => {
    const answer = await gateway.request('POST', path, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return answer.json;
  };
  const logs = async (query = '') => {
    await gateway.server.runtime.gateway.flushLogs();
    const answer = await gateway.request('GET', `/v1/logs?order=asc&limit=100&${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return answer.json.data as LogObject[];
  };
  const analytics = async (query: string) => {
    const answer = await gateway.request('GET', `/v1/analytics?bucket=range&${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    const rows = answer.json.data as AnalyticsObject[];
    return Object.fromEntries(rows.map((row) => [String(row.group), [row.requests, row.errors]]));
  };
  const filters = (...specs: Array<[string, string, unknown[]]>) =>
    `filters=${encodeURIComponent(JSON.stringify(specs.map(([key, operator, value]) => ({ key, operator, value }))))}`;

  before(async () => {
    gateway = await startGateway({
      models: [
        scriptedModel('test/echo', 'scripted'),
        { ...scriptedModel('test/down', 'scripted'), fallbacks: ['test/echo'] },
      ],
      providers: new Map([['scripted', provider]]),
    });
    const made = await post('/v1/prompts', {
      name: 'support',
      template: { model: 'test/echo', instructions: 'You answer for {{company}}.' },
    });
    support = made.id as string;
    await post(`/v1/prompts/${support}/versions`, {
      template: { model: 'test/echo', instructions: 'Answer briefly for {{company}}.' },
    });
    fallback = (await post('/v1/prompts', { template: { model: 'test/down', instructions: 'Be kind.' } }))
      .id as string;

    const client = gateway.client();
    const variables = { company: 'Acme' };
    await client.responses.create({ prompt: { id: support, version: '1', variables }, input: 'Hi' } as never);
    const stream = await client.responses.create({
      prompt: { id: support, version: '1', variables },
      input: 'Hi again',
      stream: true,
    } as never);
    for await (const _event of stream as unknown as AsyncIterable<unknown>);
    await client.responses.create({ prompt: { id: support, variables }, input: 'Hi' } as never);
    const failed = await gateway.request('POST', '/v1/responses', {
      prompt: { id: support, variables },
      input: 'fail',
    });
    assert.equal(failed.status, 502, JSON.stringify(failed.json));
    await client.responses.create({ model: 'test/echo', input: 'Hi' });
    // Rendered as test/down, answered by its fallback: the step that answered is not the first candidate.
    await client.responses.create({ prompt: { id: fallback }, input: 'Hi' } as never);
    // Stopped before its prompt was rendered (a variable missing): the client's error, before
    // any version ran, so no prompt is logged even where the request named a version.
    const unrendered = await gateway.request('POST', '/v1/responses', {
      prompt: { id: support, version: '1' },
      input: 'Hi',
    });
    assert.equal(unrendered.status, 400, JSON.stringify(unrendered.json));
  });
  after(() => gateway.stop());

  test('each log object names the prompt and the version that served it, or null', async () => {
    const all = await logs();
    assert.deepEqual(
      all.map((log) => [log.model, log.success, log.prompt]),
      [
        ['test/echo', true, { id: support, version: '1' }],
        ['test/echo', true, { id: support, version: '1' }],
        ['test/echo', true, { id: support, version: '2' }],
        ['test/echo', false, { id: support, version: '2' }],
        ['test/echo', true, null],
        ['test/echo', true, { id: fallback, version: '1' }],
        [null, false, null],
      ],
    );
    assert.equal(all[5]!.step, 1, 'answered by the fallback');
    const one = await gateway.request('GET', `/v1/logs/${all[2]!.id}`);
    assert.deepEqual(one.json.prompt, { id: support, version: '2' });
  });

  test("filters find a prompt's requests, and one version's", async () => {
    const versions = (list: LogObject[]) =>
      list.map((log) => (log.prompt as { version: string } | null)?.version);
    assert.deepEqual(versions(await logs(filters(['prompt_id', 'eq', [support]]))), ['1', '1', '2', '2']);
    assert.deepEqual(
      versions(await logs(filters(['prompt_id', 'eq', [support]], ['prompt_version', 'eq', ['2']]))),
      ['2', '2'],
    );
    // Cloudflare's SDK's spelling.
    const dotted = await logs(
      `filters.key=prompt_version&filters.operator=eq&filters.value=1&filters.key=success&filters.operator=eq&filters.value=true`,
    );
    assert.deepEqual(
      dotted.map((log) => log.prompt),
      [
        { id: support, version: '1' },
        { id: support, version: '1' },
        { id: fallback, version: '1' },
      ],
    );
    // A version sent as a number is its text.
    assert.equal((await logs(filters(['prompt_version', 'eq', [2]]))).length, 2);
    assert.equal((await logs(filters(['prompt_id', 'eq', [null]]))).length, 2);
    const bad = await gateway.request('GET', `/v1/logs?${filters(['prompt_version', 'gt', ['1']])}`);
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { param: string }).param, 'filters[0].operator');
    assert.match((bad.json.error as { message: string }).message, /use eq, neq, contains/);
  });

  test('analytics group by prompt and by prompt version: requests and errors of each', async () => {
    assert.deepEqual(await analytics('group_by=prompt'), {
      [support]: [4, 1],
      [fallback]: [1, 0],
      null: [2, 1],
    });
    assert.deepEqual(await analytics('group_by=prompt_version'), {
      [`${support}@1`]: [2, 0],
      [`${support}@2`]: [2, 1],
      [`${fallback}@1`]: [1, 0],
      null: [2, 1],
    });
    assert.deepEqual(await analytics(`group_by=prompt_version&${filters(['prompt_id', 'eq', [support]])}`), {
      [`${support}@1`]: [2, 0],
      [`${support}@2`]: [2, 1],
    });
    const bad = await gateway.request('GET', '/v1/analytics?group_by=prompt_id');
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { param: string }).param, 'group_by');
  });
});
