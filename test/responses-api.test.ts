import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startPortico, readEventStream, TINY_MODEL, type TestPortico } from './support/portico.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { checkResponseStream } from './support/stream-checks.ts';

let portico: TestPortico;
let client: OpenAI;

before(async () => {
  portico = await startPortico();
  client = portico.client;
});
after(() => portico.stop());

async function post(body: unknown, path = '/v1/responses') {
  return fetch(`${portico.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /v1/responses on a local model, through the official SDK', () => {
  test('a string input', async () => {
    const response = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 40,
    });
    assertMatchesSchema('Response', response);
    assert.match(response.id, /^resp_/);
    assert.equal(response.object, 'response');
    assert.equal(response.model, TINY_MODEL);
    assert.ok(response.output_text.length > 0);
    const message = response.output[0];
    assert.equal(message?.type, 'message');
    assert.match(message.id, /^msg_/);
    assert.ok(response.usage && response.usage.input_tokens > 0 && response.usage.output_tokens > 0);
    assert.equal(response.usage.total_tokens, response.usage.input_tokens + response.usage.output_tokens);
    assert.ok(Math.abs(response.created_at - Date.now() / 1000) < 120);
    if (response.status === 'completed') assert.ok(response.completed_at! >= response.created_at);
    else assert.equal(response.completed_at, null);
  });

  test('a message list with every role', async () => {
    const response = await client.responses.create({
      model: TINY_MODEL,
      input: [
        { role: 'system', content: 'You tell stories.' },
        { role: 'developer', content: [{ type: 'input_text', text: 'Keep it short.' }] },
        { role: 'user', content: 'Tell me about Lily.' },
        { role: 'assistant', content: 'Lily was a little girl.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What did she do?' }] },
      ],
      max_output_tokens: 20,
    });
    assertMatchesSchema('Response', response);
    assert.ok(response.output_text.length > 0);
  });

  test('instructions, temperature and metadata are honoured and echoed', async () => {
    const plain = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      temperature: 0,
      max_output_tokens: 30,
    });
    const again = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      temperature: 0,
      max_output_tokens: 30,
    });
    assert.equal(again.output_text, plain.output_text, 'temperature 0 is greedy and repeatable');
    const instructed = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      instructions: 'You are a storyteller who loves dragons.',
      temperature: 0,
      max_output_tokens: 30,
      metadata: { team: 'portico' },
    });
    assertMatchesSchema('Response', instructed);
    assert.equal(instructed.instructions, 'You are a storyteller who loves dragons.');
    assert.equal(instructed.temperature, 0);
    assert.deepEqual(instructed.metadata, { team: 'portico' });
    assert.ok(instructed.usage!.input_tokens > plain.usage!.input_tokens, 'instructions reach the model');
  });

  test('max_output_tokens ends the response as incomplete', async () => {
    const response = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 5,
    });
    assertMatchesSchema('Response', response);
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(response.usage!.output_tokens, 5);
    assert.equal(response.completed_at, null);
  });
});

describe('streaming', () => {
  test('responses.stream folds through the SDK accumulator to the stored response', async () => {
    const stream = client.responses.stream({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 30,
    });
    let deltas = '';
    stream.on('response.output_text.delta', (event) => (deltas += event.delta));
    const final = await stream.finalResponse();
    const message = final.output[0];
    assert.equal(
      message?.type === 'message' && message.content[0]?.type === 'output_text' && message.content[0].text,
      deltas,
    );
    const stored = await client.responses.retrieve(final.id);
    assert.equal(stored.output_text, deltas);
    assert.deepEqual(
      stored.output.map((item) => item.id),
      final.output.map((item) => item.id),
    );
  });

  test('the raw stream has the exact lifecycle, sequence numbers from 0 and no [DONE]', async () => {
    const res = await post({
      model: TINY_MODEL,
      input: 'Once upon a time',
      stream: true,
      max_output_tokens: 20,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = await readEventStream(res.body!);
    const response = checkResponseStream(events);
    assert.equal(response.status, 'incomplete');
    const types = events.map((e) => e.type as string);
    assert.deepEqual(types.slice(0, 4), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    assert.deepEqual(types.slice(-4), [
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    assert.ok(types.filter((t) => t === 'response.output_text.delta').length > 1);
  });

  test('a client that disconnects stops generation, and the stored record says so', async () => {
    const abort = new AbortController();
    const res = await fetch(`${portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: TINY_MODEL,
        input: 'Once upon a time',
        stream: true,
        max_output_tokens: 1500,
        temperature: 1,
      }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('response.output_text.delta'))
      text += new TextDecoder().decode((await reader.read()).value);
    const id = /"id":"(resp_[^"]+)"/.exec(text)![1]!;
    abort.abort();
    let stored = await client.responses.retrieve(id);
    for (let i = 0; i < 100 && stored.status === 'in_progress'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = await client.responses.retrieve(id);
    }
    assert.equal(stored.status, 'cancelled');
    assert.ok(stored.usage!.output_tokens < 1500, 'generation stopped early');
    // The model never reported usage: Portico counted it with the model's own tokenizer.
    assert.equal(
      stored.usage!.input_tokens,
      (await client.responses.inputTokens.count({ model: TINY_MODEL, input: 'Once upon a time' }))
        .input_tokens,
    );
    assert.ok(stored.usage!.output_tokens > 0, 'what it generated before it stopped is counted');
    assert.equal(stored.usage!.total_tokens, stored.usage!.input_tokens + stored.usage!.output_tokens);
  });
});

describe('stored state', () => {
  test('retrieve, input_items with pagination, delete', async () => {
    const created = await client.responses.create({
      model: TINY_MODEL,
      input: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'user', content: 'three' },
      ],
      max_output_tokens: 8,
    });
    const retrieved = await client.responses.retrieve(created.id);
    assertMatchesSchema('Response', retrieved);
    assert.equal(retrieved.id, created.id);

    const raw = await fetch(`${portico.server.url}/v1/responses/${created.id}/input_items?order=asc`);
    assertMatchesSchema('ResponseItemList', await raw.json());
    const all = await client.responses.inputItems.list(created.id, { order: 'asc' });
    const texts = all.data.map((item) =>
      item.type === 'message' ? (item.content[0] as { text: string }).text : '',
    );
    assert.deepEqual(texts, ['one', 'two', 'three']);
    const page = await client.responses.inputItems.list(created.id, { limit: 1, order: 'desc' });
    assert.equal(page.data.length, 1);
    assert.equal(page.has_more, true);
    const next = await client.responses.inputItems.list(created.id, {
      limit: 2,
      order: 'desc',
      after: page.data[0]!.id,
    });
    assert.deepEqual(
      next.data.map((item) => item.id),
      all.data
        .slice(0, 2)
        .map((item) => item.id)
        .reverse(),
    );

    await client.responses.delete(created.id);
    await assert.rejects(client.responses.retrieve(created.id), OpenAI.NotFoundError);
    await assert.rejects(client.responses.delete(created.id), OpenAI.NotFoundError);
  });

  test('a three-turn previous_response_id chain carries the whole context', async () => {
    const one = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 10,
    });
    const two = await client.responses.create({
      model: TINY_MODEL,
      input: 'And then?',
      previous_response_id: one.id,
      max_output_tokens: 10,
    });
    const three = await client.responses.create({
      model: TINY_MODEL,
      input: 'The end?',
      previous_response_id: two.id,
      max_output_tokens: 10,
    });
    assert.equal(three.previous_response_id, two.id);
    assert.ok(two.usage!.input_tokens > one.usage!.input_tokens + one.usage!.output_tokens - 1);
    assert.ok(three.usage!.input_tokens > two.usage!.input_tokens + two.usage!.output_tokens - 1);
  });

  test('store: false keeps nothing', async () => {
    const response = await client.responses.create({
      model: TINY_MODEL,
      input: 'hi',
      store: false,
      max_output_tokens: 5,
    });
    await assert.rejects(client.responses.retrieve(response.id), OpenAI.NotFoundError);
  });

  test('a restart loses nothing that was acknowledged', async () => {
    const response = await client.responses.create({
      model: TINY_MODEL,
      input: 'Remember me',
      max_output_tokens: 5,
    });
    await portico.stop(true);
    portico = await startPortico({ dataDir: portico.dataDir });
    client = portico.client;
    const retrieved = await client.responses.retrieve(response.id);
    assert.deepEqual(retrieved.output, response.output);
    const chained = await client.responses.create({
      model: TINY_MODEL,
      input: 'Again',
      previous_response_id: response.id,
      max_output_tokens: 5,
    });
    assert.ok(chained.usage!.input_tokens > response.usage!.input_tokens);
  });
});

describe('bad input is a 400 naming the parameter', () => {
  const cases: Array<[string, unknown, string | null]> = [
    ['missing model', { input: 'hi' }, 'model'],
    ['missing input', { model: TINY_MODEL }, 'input'],
    ['input of the wrong type', { model: TINY_MODEL, input: 42 }, 'input'],
    ['an unknown role', { model: TINY_MODEL, input: [{ role: 'robot', content: 'hi' }] }, 'input[0].role'],
    [
      'a bad content part',
      { model: TINY_MODEL, input: [{ role: 'user', content: [{ type: 'input_txt', text: 'x' }] }] },
      'input[0].content[0].type',
    ],
    ['temperature above 2', { model: TINY_MODEL, input: 'hi', temperature: 2.5 }, 'temperature'],
    ['temperature below 0', { model: TINY_MODEL, input: 'hi', temperature: -1 }, 'temperature'],
    ['top_p above 1', { model: TINY_MODEL, input: 'hi', top_p: 1.5 }, 'top_p'],
    ['max_output_tokens of 0', { model: TINY_MODEL, input: 'hi', max_output_tokens: 0 }, 'max_output_tokens'],
    [
      'max_output_tokens not an integer',
      { model: TINY_MODEL, input: 'hi', max_output_tokens: 2.5 },
      'max_output_tokens',
    ],
    [
      '17 metadata pairs',
      {
        model: TINY_MODEL,
        input: 'hi',
        metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      },
      'metadata',
    ],
    [
      'a metadata key over 64 characters',
      { model: TINY_MODEL, input: 'hi', metadata: { ['k'.repeat(65)]: 'v' } },
      'metadata',
    ],
    [
      'a metadata value over 512 characters',
      { model: TINY_MODEL, input: 'hi', metadata: { k: 'v'.repeat(513) } },
      'metadata.k',
    ],
    ['an unknown parameter', { model: TINY_MODEL, input: 'hi', temprature: 1 }, 'temprature'],
    [
      'an unknown previous response',
      { model: TINY_MODEL, input: 'hi', previous_response_id: 'resp_nope' },
      'previous_response_id',
    ],
    ['stream of the wrong type', { model: TINY_MODEL, input: 'hi', stream: 'yes' }, 'stream'],
    [
      'a file a local model cannot read',
      {
        model: TINY_MODEL,
        input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'aGk=', filename: 'a.txt' }] }],
      },
      'input[0].content[0]',
    ],
    [
      'reasoning on a model that does not reason',
      { model: TINY_MODEL, input: 'hi', reasoning: { effort: 'high' } },
      'reasoning',
    ],
    ['invalid JSON', '{"model": ', null],
    ['a JSON array body', '[]', null],
  ];
  for (const [name, body, param] of cases) {
    test(name, async () => {
      const res = await post(body);
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error: { param: string | null; type: string; message: string } };
      assertMatchesSchema('ErrorResponse', json);
      assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(json.error.type, 'invalid_request_error');
      assert.equal(json.error.param, param);
      assert.ok(!/at .*\.ts:\d+/.test(json.error.message), 'no stack trace');
    });
  }

  test('a body over the size limit is a 413 before it is read', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${portico.server.url}/v1/responses`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(65 * 1024 * 1024) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: text });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write('{"model":');
    });
    assert.equal(status, 413);
    assertMatchesSchema('ErrorResponse', JSON.parse(body));
  });

  test('an unknown model is a 404 model_not_found', async () => {
    const res = await post({ model: 'local/nope', input: 'hi' });
    assert.equal(res.status, 404);
    const json = (await res.json()) as { error: { code: string; param: string } };
    assertMatchesSchema('ErrorResponse', json);
    assert.equal(json.error.code, 'model_not_found');
    assert.equal(json.error.param, 'model');
  });

  test('the SDK raises BadRequestError with the param', async () => {
    await assert.rejects(
      client.responses.create({ model: TINY_MODEL, input: 'hi', top_p: 3 }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'top_p');
        return true;
      },
    );
  });

  test('a proxied model without its provider names the missing setting', async () => {
    const res = await post({ model: 'openai/gpt-5.4-pro', input: 'hi' });
    assert.ok(res.status >= 400 && res.status < 500);
    const json = (await res.json()) as { error: { message: string; param: string } };
    assertMatchesSchema('ErrorResponse', json);
    assert.match(json.error.message, /OPENAI_API_KEY/);
  });

  test('unknown response ids are 404 on every route', async () => {
    for (const [method, path] of [
      ['GET', '/v1/responses/resp_nope'],
      ['DELETE', '/v1/responses/resp_nope'],
      ['GET', '/v1/responses/resp_nope/input_items'],
    ] as const) {
      const res = await fetch(`${portico.server.url}${path}`, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assertMatchesSchema('ErrorResponse', await res.json());
    }
    const res = await fetch(`${portico.server.url}/v1/responses/resp_nope/input_items?limit=500`);
    assert.equal(res.status, 400);
  });
});

describe('GET /v1/models', () => {
  test('lists the local models and openai/gpt-5.4-pro', async () => {
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    assert.ok(ids.includes('local/stories260K'));
    assert.ok(ids.includes('local/llama-2-tiny-random'));
    const pro = models.data.find((model) => model.id === 'openai/gpt-5.4-pro') as unknown as Record<
      string,
      unknown
    >;
    assert.equal(pro.owned_by, 'OpenAI');
    assert.equal(pro.task, 'Text Generation');
    assert.equal(pro.proxied, true);
    assert.equal(pro.context_window, 1_000_000);
  });
});
