import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type OpenAI from 'openai';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

let portico: TestPortico;
let client: OpenAI;
let upstream: ReplayServer;
let configDir: string;

before(async () => {
  const answer = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
  upstream = await startReplayServer(() => answer);
  configDir = mkdtempSync(join(tmpdir(), 'portico-window-'));
  const configPath = join(configDir, 'portico.yaml');
  writeFileSync(
    configPath,
    [
      'providers:',
      `  chat: { type: chat-completions, base_url: "${upstream.url}/v1" }`,
      `  oai: { type: openai, base_url: "${upstream.url}/v1", api_key_env: WINDOW_TEST_KEY }`,
      'models:',
      '  - { id: chat/small, provider: chat, upstream_model: small, context_window: 1200 }',
      '  - { id: oai/model, provider: oai, upstream_model: gpt-5.4, context_window: 400000 }',
      'default_model: chat/small',
      '',
    ].join('\n'),
  );
  portico = await startPortico({ configPath, env: { WINDOW_TEST_KEY: 'sk-window-test' } });
  client = portico.client;
});
after(async () => {
  await portico.stop();
  await upstream.close();
  rmSync(configDir, { recursive: true, force: true });
});

const words = (n: number, word = 'story') => Array.from({ length: n }, () => word).join(' ');

describe('context windows, truncation and input token counts', () => {
  test("input_tokens counts exactly what a local model is sent: the model's own tokenizer", async () => {
    const counted = await client.responses.inputTokens.count({
      model: TINY_MODEL,
      input: 'Once upon a time',
    });
    assert.deepEqual(Object.keys(counted).sort(), ['input_tokens', 'object']);
    assert.equal(counted.object, 'response.input_tokens');
    const response = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      max_output_tokens: 8,
    });
    assert.equal(counted.input_tokens, response.usage!.input_tokens);
    const chained = await client.responses.inputTokens.count({
      model: TINY_MODEL,
      input: 'And then?',
      previous_response_id: response.id,
      instructions: 'Tell stories.',
    });
    const next = await client.responses.create({
      model: TINY_MODEL,
      input: 'And then?',
      previous_response_id: response.id,
      instructions: 'Tell stories.',
      max_output_tokens: 8,
    });
    assert.equal(chained.input_tokens, next.usage!.input_tokens, 'the chain and the instructions count');
    assert.ok(chained.input_tokens > counted.input_tokens);
  });

  test('OpenAI models count with o200k, other upstreams with the documented estimate; neither calls upstream', async () => {
    const seen = upstream.requests.length;
    const openai = await client.responses.inputTokens.count({
      model: 'oai/model',
      input: words(100, 'hello'),
    });
    assert.equal(
      openai.input_tokens,
      100 + 4 + 3,
      "each 'hello' is one o200k token; one message, the reply's priming",
    );
    const estimate = await client.responses.inputTokens.count({
      model: 'chat/small',
      input: 'x'.repeat(400),
    });
    assert.equal(estimate.input_tokens, 100 + 4, 'a token per four characters and four per item');
    const unnamed = await client.responses.inputTokens.count({ input: 'x'.repeat(400) });
    assert.equal(unnamed.input_tokens, estimate.input_tokens, 'without a model, the default model counts');
    assert.equal(upstream.requests.length, seen);
    await assert.rejects(client.responses.inputTokens.count({ model: 'nope/model', input: 'x' }), {
      status: 404,
    });
  });

  test('truncation disabled: over the window is a 400 context_length_exceeded before any upstream call', async () => {
    const seen = upstream.requests.length;
    await assert.rejects(client.responses.create({ model: 'chat/small', input: words(1200, 'long') }), {
      status: 400,
      code: 'context_length_exceeded',
      param: 'input',
    });
    assert.equal(upstream.requests.length, seen);
  });

  test('truncation auto drops the oldest whole turns, never this input nor half a tool call', async () => {
    const first = await client.responses.create({ model: 'chat/small', input: words(300, 'first') });
    const second = await client.responses.create({
      model: 'chat/small',
      previous_response_id: first.id,
      input: [
        { type: 'message', role: 'user', content: words(300, 'second') },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: words(100, 'looked') },
      ],
    });
    const request = {
      model: 'chat/small',
      previous_response_id: second.id,
      input: words(250, 'third'),
    } as const;
    await assert.rejects(client.responses.create(request), { status: 400, code: 'context_length_exceeded' });
    const seen = upstream.requests.length;
    const truncated = await client.responses.create({ ...request, truncation: 'auto' });
    assert.equal(truncated.status, 'completed');
    assert.equal(truncated.truncation, 'auto');
    const sent = upstream.requests[seen]!.json as { messages: Array<{ role: string; content?: unknown }> };
    const text = JSON.stringify(sent.messages);
    assert.ok(!text.includes('first'), 'the oldest turn was dropped');
    assert.ok(text.includes('third'), "this request's input is kept");
    const roles = sent.messages.map((message) => message.role);
    assert.ok(roles.includes('tool') === text.includes('lookup'), 'a call and its output go together');
    const counted = await client.responses.inputTokens.count({ ...request, truncation: 'auto' });
    assert.ok(counted.input_tokens <= 1200 - 300, 'the input leaves a quarter of the window for the answer');
    await assert.rejects(
      client.responses.create({ model: 'chat/small', input: words(2000, 'huge'), truncation: 'auto' }),
      {
        status: 400,
        code: 'context_length_exceeded',
      },
    );
  });

  test('truncation auto: a max_output_tokens the window cannot hold beside the input is a 400 naming it', async () => {
    const seen = upstream.requests.length;
    const request = { model: 'chat/small', input: words(100, 'short'), truncation: 'auto' } as const;
    await assert.rejects(client.responses.create({ ...request, max_output_tokens: 5000 }), {
      status: 400,
      code: 'context_length_exceeded',
      param: 'max_output_tokens',
    });
    // Without max_output_tokens a quarter of the window is kept: an input that fits the window
    // but not beside it is told so, not that it is over the window.
    const left = await client.responses
      .create({ model: 'chat/small', input: words(800, 'long'), truncation: 'auto' })
      .catch((error: { status: number; param: string; message: string }) => error);
    assert.equal((left as { status: number }).status, 400);
    assert.equal((left as { param: string }).param, 'input');
    assert.match((left as { message: string }).message, /300 .*free for the answer/);
    assert.equal(upstream.requests.length, seen);
    const fits = await client.responses.create({ ...request, max_output_tokens: 500 });
    assert.equal(fits.status, 'completed');
  });
});
