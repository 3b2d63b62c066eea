import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { MAX_PROMPT_TEMPLATE_BYTES, type PromptObject } from '../src/api/prompts.ts';
import { startServer } from '../src/server/start-server.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { projectClients } from './support/project-keys.ts';

type Answer = Awaited<ReturnType<GatewayUnderTest['request']>>;

const PROMPT_KEYS = [
  'created_at',
  'description',
  'id',
  'latest_version',
  'metadata',
  'name',
  'object',
  'template',
  'variables',
  'version',
  'version_created_at',
];

const TEMPLATE = {
  model: 'test/echo',
  instructions: 'You are {{ role }}.',
  input: [{ role: 'user', content: 'Help me with {{topic}}, as {{role}} would.' }],
  variables: { role: 'a careful guide' },
  temperature: 0.2,
};
/** TEMPLATE as the API keeps it: a message's left-out `type` filled in. */
const STORED = { ...TEMPLATE, input: [{ type: 'message', ...TEMPLATE.input[0] }] };

let gateway: GatewayUnderTest;
let alpha: OpenAI;
let headers: Record<string, Record<string, string>>;

before(async () => {
  gateway = await startGateway();
  const made = await projectClients(gateway, ['alpha', 'beta', 'paging']);
  alpha = made.clients.alpha!;
  headers = made.headers;
});
after(() => gateway.stop());

const call = (method: string, path: string, body?: unknown, who = 'alpha'): Promise<Answer> =>
  gateway.request(method, path, body, headers[who]);

/** A 400 (or `status`) in OpenAI's error shape naming `param`. */
function refused(answer: Answer, param: string | null, status = 400, code?: string): void {
  const error = answer.json.error as {
    param: string | null;
    code: string | null;
    type: string;
    message: string;
  };
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.deepEqual(Object.keys(answer.json), ['error']);
  assert.equal(error.param, param, error.message);
  if (code !== undefined) assert.equal(error.code, code);
  assert.doesNotMatch(error.message, /\bat .*\.ts:\d+/, 'no stack trace');
}

describe('/v1/prompts through the official SDK', () => {
  test('create, retrieve at any version, add a version, update, list versions and delete', async () => {
    const created = await alpha.post<PromptObject>('/prompts', {
      body: {
        name: 'guide',
        description: 'answers as a guide',
        metadata: { team: 'docs' },
        template: TEMPLATE,
      },
    });
    assert.deepEqual(Object.keys(created).sort(), PROMPT_KEYS);
    assert.match(created.id, /^pmpt_[0-9a-f]{48}$/);
    assert.deepEqual(
      { ...created, id: 'x', created_at: 0, version_created_at: 0 },
      {
        id: 'x',
        object: 'prompt',
        name: 'guide',
        description: 'answers as a guide',
        metadata: { team: 'docs' },
        created_at: 0,
        latest_version: '1',
        version: '1',
        version_created_at: 0,
        template: STORED,
        variables: ['role', 'topic'],
      },
    );
    assert.ok(Math.abs(created.created_at - Date.now() / 1000) < 3600, 'unix seconds');
    assert.equal(created.version_created_at, created.created_at);
    assert.deepEqual(await alpha.get(`/prompts/${created.id}`), created);

    const second = await alpha.post<PromptObject>(`/prompts/${created.id}/versions`, {
      body: { template: { instructions: 'Be brief about {{topic}}.' } },
    });
    assert.deepEqual(
      [second.version, second.latest_version, second.name, second.variables],
      ['2', '2', 'guide', ['topic']],
    );
    assert.deepEqual(second.template, { instructions: 'Be brief about {{topic}}.' });
    assert.deepEqual(await alpha.get(`/prompts/${created.id}`), second);
    const first = await alpha.get<PromptObject>(`/prompts/${created.id}`, { query: { version: 1 } });
    assert.deepEqual(first, { ...created, latest_version: '2' });

    const updated = await alpha.post<PromptObject>(`/prompts/${created.id}`, {
      body: { name: 'renamed', metadata: null },
    });
    assert.deepEqual(updated, { ...second, name: 'renamed', metadata: {} });

    const versions = await alpha.get<{ data: PromptObject[] } & Record<string, unknown>>(
      `/prompts/${created.id}/versions`,
    );
    assert.deepEqual(
      versions.data.map((one) => [one.version, one.latest_version, one.name]),
      [
        ['2', '2', 'renamed'],
        ['1', '2', 'renamed'],
      ],
    );
    assert.deepEqual(
      [versions.object, versions.first_id, versions.last_id, versions.has_more],
      ['list', '2', '1', false],
    );

    assert.deepEqual(await alpha.delete(`/prompts/${created.id}`), {
      id: created.id,
      object: 'prompt.deleted',
      deleted: true,
    });
    await assert.rejects(alpha.get(`/prompts/${created.id}`), {
      status: 404,
      code: 'prompt_not_found',
      param: 'id',
    });
    await assert.rejects(alpha.get(`/prompts/${created.id}`, { query: { version: 1 } }), { status: 404 });
  });
});

describe('/v1/prompts paging', () => {
  test('prompts list at their latest version, newest first by default, paged with limit and after', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const made = await call(
        'POST',
        '/v1/prompts',
        { name: `p${n}`, template: { instructions: `v1 of ${n}` } },
        'paging',
      );
      ids.push(made.json.id as string);
    }
    await call('POST', `/v1/prompts/${ids[0]}/versions`, { template: { instructions: 'v2 of 1' } }, 'paging');
    const page = (query: string) => call('GET', `/v1/prompts${query}`, undefined, 'paging');
    const listed = (answer: Answer) => (answer.json.data as PromptObject[]).map((one) => one.id);
    const all = await page('');
    assert.deepEqual([all.json.object, listed(all), all.json.has_more], ['list', [...ids].reverse(), false]);
    const oldest = (all.json.data as PromptObject[]).at(-1)!;
    assert.deepEqual([oldest.version, oldest.template.instructions], ['2', 'v2 of 1']);
    const firstTwo = await page('?limit=2&order=asc');
    assert.deepEqual([listed(firstTwo), firstTwo.json.has_more], [ids.slice(0, 2), true]);
    assert.deepEqual([firstTwo.json.first_id, firstTwo.json.last_id], [ids[0], ids[1]]);
    const rest = await page(`?limit=2&order=asc&after=${firstTwo.json.last_id as string}`);
    assert.deepEqual([listed(rest), rest.json.has_more], [ids.slice(2), false]);

    refused(await page('?limit=0'), 'limit');
    refused(await page('?limit=101'), 'limit');
    refused(await page('?order=sideways'), 'order');
    refused(await page('?after=pmpt_missing'), 'after');

    const versions = (query: string) =>
      call('GET', `/v1/prompts/${ids[0]}/versions${query}`, undefined, 'paging');
    const asc = await versions('?order=asc&limit=1');
    assert.deepEqual([asc.json.first_id, asc.json.has_more], ['1', true]);
    const next = await versions(`?order=asc&limit=1&after=${asc.json.last_id as string}`);
    assert.deepEqual(
      [(next.json.data as PromptObject[]).map((one) => one.version), next.json.has_more],
      [['2'], false],
    );
    refused(await versions('?after=3'), 'after');
    refused(await versions('?after=first'), 'after');
  });
});

describe('/v1/prompts refuses bad input with a 400 naming the parameter', () => {
  let id: string;
  before(async () => {
    id = (await call('POST', '/v1/prompts', { template: TEMPLATE })).json.id as string;
  });

  test('bodies', async () => {
    const create = (body: unknown) => call('POST', '/v1/prompts', body);
    refused(
      await create({ template: { input: [{ role: 'user', content: 42 }] } }),
      'template.input[0].content',
    );
    refused(await create({ name: 'no template' }), 'template', 400, 'missing_required_parameter');
    refused(await create({ template: TEMPLATE, colour: 'blue' }), 'colour', 400, 'unknown_parameter');
    refused(await create({ template: { temperature: 1 } }), 'template.instructions');
    refused(
      await create({ template: { ...TEMPLATE, variables: { role: 'x', rol: 'y' } } }),
      'template.variables.rol',
    );
    refused(await create({ template: { instructions: 'x'.repeat(MAX_PROMPT_TEMPLATE_BYTES) } }), 'template');
    refused(await create('not json'), null);
    const version = (body: unknown) => call('POST', `/v1/prompts/${id}/versions`, body);
    refused(
      await version({ template: { instructions: 'hi', variables: { unused: 'x' } } }),
      'template.variables.unused',
    );
    refused(await version({ template: { instructions: 'hi', tools: 'none' } }), 'template.tools');
    refused(await call('POST', `/v1/prompts/${id}`, { name: '' }), 'name');
    refused(
      await call('POST', `/v1/prompts/${id}`, { template: TEMPLATE }),
      'template',
      400,
      'unknown_parameter',
    );
    // Nothing refused was kept.
    assert.equal((await call('GET', `/v1/prompts/${id}`)).json.latest_version, '1');
  });

  test('versions and ids', async () => {
    for (const version of ['0', '-1', '1.5', 'two', '', '99999999999999999999'])
      refused(await call('GET', `/v1/prompts/${id}?version=${version}`), 'version');
    refused(await call('GET', `/v1/prompts/${id}?version=2`), 'version', 404, 'prompt_not_found');
    for (const [method, path, body] of [
      ['GET', '/v1/prompts/pmpt_missing', undefined],
      ['GET', '/v1/prompts/pmpt_missing?version=1', undefined],
      ['POST', '/v1/prompts/pmpt_missing', { name: 'x' }],
      ['DELETE', '/v1/prompts/pmpt_missing', undefined],
      ['POST', '/v1/prompts/pmpt_missing/versions', { template: TEMPLATE }],
      ['GET', '/v1/prompts/pmpt_missing/versions', undefined],
    ] as const)
      refused(await call(method, path, body), 'id', 404, 'prompt_not_found');
  });
});

describe("one project's prompts are unknown to another", () => {
  test('every route answers as for an id that never existed, and the listing leaves them out', async () => {
    const theirs = (await call('POST', '/v1/prompts', { name: 'secret', template: TEMPLATE })).json
      .id as string;
    const madeUp = theirs.replace(/_[0-9a-f]+$/, (rest) => `_${'0'.repeat(rest.length - 1)}`);
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['GET', '?version=1', undefined],
      ['POST', '', { name: 'mine now' }],
      ['POST', '/versions', { template: TEMPLATE }],
      ['GET', '/versions', undefined],
      ['DELETE', '', undefined],
    ] as const) {
      const answer = await call(method, `/v1/prompts/${theirs}${path}`, body, 'beta');
      const none = await call(method, `/v1/prompts/${madeUp}${path}`, body, 'beta');
      refused(answer, 'id', 404, 'prompt_not_found');
      assert.deepEqual(
        JSON.parse(JSON.stringify(answer.json).replaceAll(theirs, madeUp)),
        none.json,
        `${method} ${path}`,
      );
    }
    const listed = await call('GET', '/v1/prompts', undefined, 'beta');
    assert.ok(!(listed.json.data as PromptObject[]).some((one) => one.id === theirs));
    const kept = await call('GET', `/v1/prompts/${theirs}`);
    assert.deepEqual([kept.json.name, kept.json.latest_version], ['secret', '1']);
  });
});

test('a restarted server keeps its prompts and their versions', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-prompts-restart-'));
  const start = () => startServer({ port: 0, dataDir, modelsDirs: [], env: {} });
  try {
    const first = await start();
    const send = (url: string, path: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }).then((response) => response.json() as Promise<PromptObject>);
    const made = await send(first.url, '/v1/prompts', { name: 'kept', template: TEMPLATE });
    const second = await send(first.url, `/v1/prompts/${made.id}/versions`, {
      template: { instructions: 'v2' },
    });
    await first.close();
    const again = await start();
    try {
      assert.deepEqual(await send(again.url, `/v1/prompts/${made.id}`), second);
      assert.deepEqual(await send(again.url, `/v1/prompts/${made.id}?version=1`), {
        ...made,
        latest_version: '2',
      });
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
