import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { ApiError } from '../src/api/errors.ts';
import { createAI, type AI } from '../src/index.ts';
import type { Provider, Turn } from '../src/providers/provider.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { projectClients } from './support/project-keys.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './support/scripted-provider.ts';

/** The text of the turn's last input message. */
function lastText(turn: Turn): string {
  const item = turn.items.at(-1) as { content?: unknown } | undefined;
  const content = item?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('') : '';
}

/** Answers `echo: <input>` (5 input tokens, a word count of output); fails on the input `fail`. */
const echoing = () =>
  new ScriptedProvider((turn) => {
    const text = lastText(turn);
    if (text === 'fail')
      return [new ApiError({ status: 502, type: 'upstream_error', message: 'upstream broke', code: null })];
    return textEvents(`echo: ${text}`, 5);
  });

/** Embeds each text as [its length, 1], two tokens a text; fails on the text `fail`. */
const embedding: Provider = {
  async *generate() {
    throw new Error('an embedding model generates nothing');
  },
  async embed(request) {
    if (request.input.includes('fail'))
      throw new ApiError({ status: 502, type: 'upstream_error', message: 'embedder broke', code: null });
    return { vectors: request.input.map((text) => [text.length, 1]), inputTokens: 2 * request.input.length };
  },
};

const MODEL = 'test/echo';
const EMBEDDER = 'test/embed';
const binding = (dataDir: string, project = 'default', run = true) =>
  createAI({
    dataDir,
    modelsDirs: [],
    env: {},
    project,
    models: [
      scriptedModel(MODEL, 'scripted'),
      { ...scriptedModel(EMBEDDER, 'embedding'), task: 'Text Embeddings' },
    ],
    providers: new Map<string, Provider>([
      ['scripted', echoing()],
      ['embedding', embedding],
    ]),
    background: { run },
  });

const THREE = {
  requests: [
    { prompt: 'one' },
    { messages: [{ role: 'user', content: 'two' }], external_reference: 'ref-2' },
    { input: 'three' },
  ],
};

/** Polls until the batch has its results (the answers before them each `queued` or `running`). */
async function results(poll: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  for (;;) {
    const answer = await poll();
    if (!('status' in answer)) return answer;
    assert.ok(answer.status === 'queued' || answer.status === 'running', JSON.stringify(answer));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Entry {
  id: number;
  success: boolean;
  result?: Record<string, unknown>;
  errors?: Array<{ code: number; message: string }>;
  external_reference: string | null;
}

function checkThree(done: Record<string, unknown>) {
  const responses = done.responses as Entry[];
  assert.deepEqual(
    responses.map((entry) => [entry.id, entry.success, entry.external_reference]),
    [
      [0, true, null],
      [1, true, 'ref-2'],
      [2, true, null],
    ],
  );
  // Each result as a run of that input answers: {response, usage} for prompt / messages, the Response for input.
  assert.deepEqual(responses[0]!.result, {
    response: 'echo: one',
    usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
  });
  assert.equal(responses[1]!.result!.response, 'echo: two');
  const third = responses[2]!.result!;
  assert.equal(third.object, 'response');
  assert.equal(third.status, 'completed');
  assert.equal(third.output_text, 'echo: three');
  assert.deepEqual(done.usage, { prompt_tokens: 15, completion_tokens: 6, total_tokens: 21 });
}

describe('the binding: run(model, {requests}, {queueRequest: true})', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-batch-'));
  let ai: AI;
  before(() => (ai = binding(dataDir)));
  after(async () => {
    await ai.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('queues the batch, and a poll with its request_id answers each result in order, with the usage of all', async () => {
    const queued = await ai.run(MODEL, THREE, { queueRequest: true });
    assert.equal((queued as { status: string }).status, 'queued');
    assert.equal((queued as { model: string }).model, MODEL);
    const request_id = (queued as { request_id: string }).request_id;
    assert.equal(typeof request_id, 'string');
    checkThree(await results(async () => (await ai.run(MODEL, { request_id })) as Record<string, unknown>));
  });

  test('a request that fails is success: false with its error in place of a result; the others stand', async () => {
    const { request_id } = (await ai.run(
      MODEL,
      { requests: [{ prompt: 'fail' }, { prompt: 'fine', external_reference: 'b' }] },
      { queueRequest: true },
    )) as { request_id: string };
    const done = await results(async () => (await ai.run(MODEL, { request_id })) as Record<string, unknown>);
    const [failed, fine] = done.responses as Entry[];
    assert.equal(failed!.success, false);
    assert.equal(failed!.result, undefined);
    assert.equal(failed!.errors![0]!.code, 500, 'a failure read back is known by its error code alone');
    assert.match(failed!.errors![0]!.message, /upstream broke/);
    assert.deepEqual(
      [fine!.success, fine!.result!.response, fine!.external_reference],
      [true, 'echo: fine', 'b'],
    );
  });

  test('a bad request is a 400 naming requests[i], and nothing of the batch is queued', async () => {
    const stored = () => {
      const db = new Sqlite(join(dataDir, 'portico.db'), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM responses').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const count = stored();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ requests: [{ prompt: 'ok' }, { prompt: 'x', temperature: 'hot' }] }, 'requests[1].temperature'],
      [{ requests: [{ prompt: 'ok' }, { prompt: 'x', nope: 1 }] }, 'requests[1].nope'],
      [{ requests: [{ prompt: 'ok' }, { flavour: 'x' }] }, 'requests[1].prompt'],
      [{ requests: [{ prompt: 'ok', stream: true }] }, 'requests[0].stream'],
      [{ requests: [{ input: 'ok', store: false }] }, 'requests[0].store'],
      [{ requests: [{ prompt: 'ok' }, { text: 'embed me' }] }, 'requests[1]'],
      [{ requests: [{ prompt: 'ok', external_reference: 7 }] }, 'requests[0].external_reference'],
      [
        { requests: [{ prompt: 'ok' }, { input: 'ok', previous_response_id: 'resp_missing' }] },
        'requests[1].previous_response_id',
      ],
      [{ requests: ['hello'] }, 'requests[0]'],
      [{ requests: [] }, 'requests'],
      [{ requests: Array.from({ length: 1001 }, () => ({ prompt: 'x' })) }, 'requests'],
      [{ requests: [{ prompt: 'x'.repeat(11 * 1024 * 1024) }] }, 'requests'],
      [{ prompt: 'not a batch' }, 'requests'],
    ];
    for (const [inputs, param] of bad)
      await assert.rejects(ai.run(MODEL, inputs, { queueRequest: true }), { status: 400, param }, param);
    // Without queueRequest, {requests} is named for what it lacks.
    await assert.rejects(ai.run(MODEL, THREE), { status: 400, param: 'options.queueRequest' });
    assert.equal(stored(), count, 'no response was queued');
  });

  test('a batch of embeddings is run as it is submitted, each result kept with it (a failure as its own)', async () => {
    const { request_id } = (await ai.run(
      EMBEDDER,
      { requests: [{ text: 'ab' }, { text: ['abc', 'd'], external_reference: 'two' }, { text: 'fail' }] },
      { queueRequest: true },
    )) as { request_id: string };
    const done = (await ai.run(EMBEDDER, { request_id })) as { responses: Entry[]; usage: unknown };
    assert.deepEqual(done.responses.slice(0, 2), [
      { id: 0, result: { shape: [1, 2], data: [[2, 1]] }, success: true, external_reference: null },
      {
        id: 1,
        result: {
          shape: [2, 2],
          data: [
            [3, 1],
            [1, 1],
          ],
        },
        success: true,
        external_reference: 'two',
      },
    ]);
    assert.deepEqual(done.responses[2], {
      id: 2,
      errors: [{ code: 502, message: 'embedder broke' }],
      success: false,
      external_reference: null,
    });
    assert.deepEqual(done.usage, { prompt_tokens: 6, completion_tokens: 0, total_tokens: 6 });
    // What refuses every request refuses the batch: here a generation model asked for embeddings.
    await assert.rejects(ai.run(MODEL, { requests: [{ text: 'x' }] }, { queueRequest: true }), {
      status: 400,
    });
    await assert.rejects(
      ai.run(EMBEDDER, { requests: [{ text: 'x', pooling: 'cls' }] }, { queueRequest: true }),
      {
        status: 400,
        param: 'requests[0].pooling',
      },
    );
  });

  test('polling an unknown request_id is a 404; with another model, a 400 naming model', async () => {
    await assert.rejects(ai.run(MODEL, { request_id: 'batch_nope' }), { status: 404, param: 'request_id' });
    const { request_id } = (await ai.run(MODEL, { requests: [{ prompt: 'x' }] }, { queueRequest: true })) as {
      request_id: string;
    };
    await assert.rejects(ai.run('test/other', { request_id }), { status: 400, param: 'model' });
  });

  test('options: websocket is refused for where it is served, an unknown option is named, tags are checked', async () => {
    await assert.rejects(ai.run(MODEL, { prompt: 'hi' }, { websocket: true }), {
      status: 400,
      code: 'unsupported_parameter',
      param: 'options.websocket',
      message: /ws:\/\/.*\/v1\/responses/,
    });
    await assert.rejects(ai.run(MODEL, { prompt: 'hi' }, { colour: 'red' } as never), {
      status: 400,
      code: 'unknown_parameter',
      param: 'options.colour',
    });
    await assert.rejects(ai.run(MODEL, { prompt: 'hi' }, { tags: ['a', 'b', 'c', 'd', 'e', 'f'] }), {
      status: 400,
      param: 'options.tags',
    });
    await assert.rejects(ai.run(MODEL, { prompt: 'hi' }, { tags: ['no spaces'] }), {
      status: 400,
      param: 'options.tags[0]',
    });
    const tagged = await ai.run(MODEL, { prompt: 'hi' }, { tags: ['a', 'a', 'b:c/d@e.f-g'], prefix: 'x' });
    assert.equal((tagged as { response: string }).response, 'echo: hi');
    // gateway(id).run takes a universal request's options only.
    await assert.rejects(
      ai.gateway('default').run({ provider: 'workers-ai', endpoint: MODEL, query: {} }, {
        queueRequest: true,
      } as never),
      { status: 400, param: 'options.queueRequest' },
    );
  });
});

test('a batch queued before a restart runs after it; another project cannot read it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-batch-restart-'));
  try {
    // This process queues and stops before any run starts.
    const first = binding(dataDir, 'default', false);
    const { request_id } = (await first.run(MODEL, THREE, { queueRequest: true })) as { request_id: string };
    assert.deepEqual(await first.run(MODEL, { request_id }), { status: 'queued' });
    await first.close();

    const second = binding(dataDir);
    const other = binding(dataDir, 'other', false);
    try {
      checkThree(
        await results(async () => (await second.run(MODEL, { request_id })) as Record<string, unknown>),
      );
      await assert.rejects(other.run(MODEL, { request_id }), { status: 404, param: 'request_id' });
    } finally {
      await other.close();
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('REST: POST /client/v4/accounts/:account/ai/run/:model?queueRequest=true', () => {
  let gateway: GatewayUnderTest;
  const run = `/client/v4/accounts/acc/ai/run/${MODEL}`;
  before(async () => {
    gateway = await startGateway({
      models: [scriptedModel(MODEL, 'scripted')],
      providers: new Map([['scripted', echoing()]]),
    });
  });
  after(() => gateway.stop());

  test('submits {requests} and answers polls of {request_id}, in the Cloudflare envelope', async () => {
    const queued = await gateway.request('POST', `${run}?queueRequest=true`, THREE);
    assert.equal(queued.status, 200);
    assert.equal(queued.json.success, true);
    const result = queued.json.result as { status: string; model: string; request_id: string };
    assert.deepEqual([result.status, result.model], ['queued', MODEL]);
    const done = await results(async () => {
      const polled = await gateway.request('POST', run, { request_id: result.request_id });
      assert.equal(polled.status, 200);
      assert.deepEqual([polled.json.success, polled.json.errors, polled.json.messages], [true, [], []]);
      return polled.json.result as Record<string, unknown>;
    });
    checkThree(done);
  });

  test('a bad request or a batch without ?queueRequest=true is a 400 naming the place, in the envelope', async () => {
    const bad = await gateway.request('POST', `${run}?queueRequest=true`, {
      requests: [{ prompt: 'ok' }, { prompt: 1 }],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.success, false);
    assert.equal((bad.json.errors as Array<{ param: string }>)[0]!.param, 'requests[1].prompt');
    const unqueued = await gateway.request('POST', run, THREE);
    assert.equal(unqueued.status, 400);
    assert.equal((unqueued.json.errors as Array<{ param: string }>)[0]!.param, 'queueRequest');
  });

  test("a batch is its project's: another project's key polls it as not found", async () => {
    const { headers } = await projectClients(gateway, ['alpha', 'beta']);
    const queued = await gateway.request('POST', `${run}?queueRequest=true`, THREE, headers.alpha);
    const { request_id } = queued.json.result as { request_id: string };
    const theirs = await gateway.request('POST', run, { request_id }, headers.beta);
    assert.equal(theirs.status, 404);
    assert.equal(theirs.json.success, false);
    const ours = await results(
      async () =>
        (await gateway.request('POST', run, { request_id }, headers.alpha)).json.result as Record<
          string,
          unknown
        >,
    );
    checkThree(ours);
  });
});
