import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type OpenAI from 'openai';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

let portico: TestPortico;
let client: OpenAI;
let upstream: ReplayServer;
let configDir: string;

before(async () => {
  const compacted = loadFixture(new URL('./fixtures/openai/compact.json', import.meta.url));
  const chat = loadFixture(new URL('./fixtures/chat-completions/text.json', import.meta.url));
  const answer = loadFixture(new URL('./fixtures/openai/text.json', import.meta.url));
  const routes: Record<string, typeof answer> = { '/v1/chat/completions': chat, '/v1/responses': answer };
  upstream = await startReplayServer((request) => routes[request.url] ?? compacted);
  configDir = mkdtempSync(join(tmpdir(), 'portico-compact-'));
  const configPath = join(configDir, 'portico.yaml');
  writeFileSync(
    configPath,
    [
      'providers:',
      `  oai: { type: openai, base_url: "${upstream.url}/v1", api_key_env: COMPACT_TEST_KEY }`,
      `  chat: { type: chat-completions, base_url: "${upstream.url}/v1" }`,
      'models:',
      '  - { id: oai/model, provider: oai, upstream_model: gpt-5.4, context_window: 400000 }',
      '  - { id: chat/model, provider: chat, upstream_model: Qwen/Qwen3-8B, context_window: 32768 }',
      '',
    ].join('\n'),
  );
  portico = await startPortico({ configPath, env: { COMPACT_TEST_KEY: 'sk-compact-test' } });
  client = portico.client;
});
after(async () => {
  await portico.stop();
  await upstream.close();
  rmSync(configDir, { recursive: true, force: true });
});

const trigger = { type: 'compaction_trigger' } as never;
const answerSchema = {
  type: 'object',
  properties: { answer: { type: 'string' } },
  required: ['answer'],
  additionalProperties: false,
};

const story = (n: number) =>
  `Chapter ${n}. Lily and Tom went to the park and played with the ball all day long.`;

describe('compaction', () => {
  test('POST /responses/compact: the model summarizes; the compaction item stands in for the history', async () => {
    const input = Array.from({ length: 14 }, (_, n) => n + 1).flatMap((n) => [
      { type: 'message' as const, role: 'user' as const, content: story(n) },
      { type: 'message' as const, role: 'assistant' as const, content: `They were happy in chapter ${n}.` },
    ]);
    const compacted = await client.responses.compact({ model: TINY_MODEL, input });
    assertMatchesSchema('CompactResource', compacted);
    assert.equal(compacted.object, 'response.compaction');
    assert.equal(compacted.output.length, 1);
    const item = compacted.output[0] as { type: 'compaction'; id: string; encrypted_content: string };
    assert.equal(item.type, 'compaction');
    assert.match(item.id, /^cmp_/);
    assert.ok(compacted.usage.output_tokens > 0, 'the model wrote the summary');
    const next = [{ role: 'user' as const, content: 'What happened next?' }];
    const whole = await client.responses.inputTokens.count({ model: TINY_MODEL, input: [...input, ...next] });
    const carried = await client.responses.inputTokens.count({ model: TINY_MODEL, input: [item, ...next] });
    assert.ok(carried.input_tokens < whole.input_tokens, 'the item is smaller than what it replaces');
    const answer = await client.responses.create({
      model: TINY_MODEL,
      input: [item, ...next],
      max_output_tokens: 16,
    });
    assert.ok(answer.output_text.length > 0);
    await assert.rejects(client.responses.compact({ input } as never), { status: 400, param: 'model' });
  });

  test("OpenAI's own compaction passes through for openai models", async () => {
    const seen = upstream.requests.length;
    const { data: compacted, response } = await client.responses
      .compact({ model: 'oai/model', input: 'Summarize me.' })
      .withResponse();
    assertMatchesSchema('CompactResource', compacted);
    assert.deepEqual(compacted.output, [
      {
        type: 'compaction',
        id: 'cmp_0c5d9e2f4a6b8c0d1e2f3a4b5c6d7e8f',
        encrypted_content: 'gAAAAABpQ2mP-opaque-compaction-summary',
      },
    ]);
    assert.equal(compacted.usage.output_tokens_details.reasoning_tokens, 128);
    const sent = upstream.requests[seen]!;
    assert.equal(sent.url, '/v1/responses/compact');
    assert.deepEqual(sent.json, {
      model: 'gpt-5.4',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Summarize me.' }] }],
    });

    // A compaction is a model call: logged as a response is, with its tokens.
    await portico.server.runtime.gateway.flushLogs();
    const logId = response.headers.get('cf-aig-log-id') ?? '';
    const log = await portico.server.runtime.stores.logs.get(logId, undefined);
    assert.deepEqual(
      [log?.path, log?.model, log?.tokensIn, log?.tokensOut, log?.success],
      ['POST /v1/responses/compact', 'oai/model', 1840, 212, true],
    );
  });

  test("a compaction item under Portico's tag holding no checkpoint it made is a 400, never reaching the model", async () => {
    const sealed = (kept: unknown) =>
      'portico.compaction.v1:' + Buffer.from(JSON.stringify({ summary: 'S', kept })).toString('base64url');
    const forged = [
      [{ type: 'message', id: 'msg_1', role: 'user', content: 5 }], // no item at all: was a 500
      [{ type: 'item_reference', id: 'msg_of_someone' }], // refused in input, so in a checkpoint too
      [{ type: 'message', id: 'msg_1', role: 'user', content: 'a string, as no stored item has' }],
      Array.from({ length: 10_001 }, (_, n) => ({ type: 'message', id: `m${n}`, role: 'user', content: [] })),
    ];
    const seen = upstream.requests.length;
    for (const kept of forged) {
      const item = { type: 'compaction', id: 'cmp_forged', encrypted_content: sealed(kept) };
      const input = [item, { role: 'user', content: 'Go on.' }] as never;
      for (const attempt of [
        () => client.responses.create({ model: 'oai/model', input }),
        () => client.responses.inputTokens.count({ model: 'oai/model', input }),
      ])
        await assert.rejects(attempt(), {
          status: 400,
          code: 'invalid_encrypted_content',
          param: 'input[0].encrypted_content',
        });
    }
    const conversation = await client.conversations.create();
    const item = { type: 'compaction', id: 'cmp_forged', encrypted_content: sealed(forged[0]) };
    await assert.rejects(client.conversations.items.create(conversation.id, { items: [item] as never }), {
      status: 400,
      param: 'items[0].encrypted_content',
    });
    assert.equal(upstream.requests.length, seen, 'nothing reached the model');
  });

  test('a compaction_trigger as the last input item answers with one compaction item, stored, logged and read back', async () => {
    const first = await client.responses.create({ model: 'chat/model', input: 'My name is Ada.' });
    const seen = upstream.requests.length;
    const { data: compacted, response } = await client.responses
      .create({
        model: 'chat/model',
        previous_response_id: first.id,
        instructions: 'Be brief.',
        input: [{ role: 'user', content: 'Remember my name.' }, trigger],
        // A strict format binds the model's answers, not the compaction.
        text: { format: { type: 'json_schema', name: 'answer', strict: true, schema: answerSchema } },
      })
      .withResponse();
    assertMatchesSchema('Response', compacted);
    assert.equal(response.headers.get('x-portico-warnings'), null, 'the trigger is not reported as dropped');
    assert.equal(compacted.status, 'completed');
    assert.equal(compacted.output.length, 1);
    const item = compacted.output[0] as unknown as { type: string; id: string; encrypted_content: string };
    assert.equal(item.type, 'compaction');
    assert.match(item.id, /^cmp_/);
    assert.equal(compacted.output_text, '');
    // The usage is the summary's: the upstream's one call, the summarizer's.
    assert.equal(upstream.requests.length, seen + 1);
    assert.deepEqual([compacted.usage?.input_tokens, compacted.usage?.output_tokens], [21, 4]);
    const summarized = JSON.stringify(upstream.requests[seen]!.json);
    for (const text of [
      'Be brief.',
      'My name is Ada.',
      'Hello, Ada!',
      'Remember my name.',
      'Summarize the conversation',
    ])
      assert.ok(summarized.includes(text), `the summarizer read ${text}`);
    assert.ok(!summarized.includes('compaction_trigger'));

    await portico.server.runtime.gateway.flushLogs();
    const log = await portico.server.runtime.stores.logs.get(
      response.headers.get('cf-aig-log-id') ?? '',
      undefined,
    );
    assert.deepEqual([log?.model, log?.tokensIn, log?.tokensOut, log?.success], ['chat/model', 21, 4, true]);

    // A later turn reads the summary in place of everything before it: by the item, or by the chain.
    for (const next of [
      { input: [item as never, { role: 'user' as const, content: 'And now?' }] },
      { previous_response_id: compacted.id, input: 'And now?' },
    ]) {
      const at = upstream.requests.length;
      const answer = await client.responses.create({ model: 'chat/model', ...next });
      assert.equal(answer.output_text, 'Hello, Ada!');
      const messages = (upstream.requests[at]!.json as { messages: Array<{ content: unknown }> }).messages;
      assert.equal(messages.length, 2);
      assert.match(
        JSON.stringify(messages[0]),
        /Summary of the conversation before this point:\\nHello, Ada!/,
      );
      assert.match(JSON.stringify(messages[1]), /And now\?/);
    }
  });

  test('a compaction_trigger streams its compaction item on a local model, whose next turn reads it', async () => {
    const stream = await client.responses.create({
      model: TINY_MODEL,
      input: [
        { role: 'user', content: story(1) },
        { role: 'assistant', content: 'They were happy.' },
        trigger,
      ],
      stream: true,
    });
    const events: Array<Record<string, unknown>> = [];
    for await (const event of stream) events.push(event as unknown as Record<string, unknown>);
    const final = checkResponseStream(events) as unknown as OpenAI.Responses.Response;
    assert.equal(final.status, 'completed');
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.equal(final.output.length, 1);
    const item = final.output[0] as unknown as { type: string; encrypted_content: string };
    assert.equal(item.type, 'compaction');
    assert.ok((final.usage?.output_tokens ?? 0) > 0, 'the model wrote the summary');
    const answer = await client.responses.create({
      model: TINY_MODEL,
      input: [item as never, { role: 'user', content: 'What happened next?' }],
      max_output_tokens: 16,
    });
    assert.ok(answer.output_text.length > 0);
    const chained = await client.responses.create({
      model: TINY_MODEL,
      previous_response_id: final.id,
      input: 'What happened next?',
      max_output_tokens: 16,
    });
    assert.ok(chained.output_text.length > 0);
  });

  test('OpenAI models are handed a compaction_trigger as it came: they compact natively', async () => {
    const seen = upstream.requests.length;
    await client.responses.create({ model: 'oai/model', input: [{ role: 'user', content: 'Hi' }, trigger] });
    const sent = upstream.requests[seen]!;
    assert.equal(sent.url, '/v1/responses');
    assert.deepEqual((sent.json as { input: unknown[] }).input.at(-1), { type: 'compaction_trigger' });
  });

  test('a compaction_trigger that is not the last input item is a 400 naming it, for every model', async () => {
    const seen = upstream.requests.length;
    for (const model of [TINY_MODEL, 'chat/model', 'oai/model'])
      await assert.rejects(
        client.responses.create({ model, input: [trigger, { role: 'user', content: 'Hi' }] as never }),
        { status: 400, param: 'input[0]' },
      );
    assert.equal(upstream.requests.length, seen, 'nothing reached a model');
  });

  test('a 50-turn conversation on the 2,048-token story model keeps answering thanks to compaction', async () => {
    const conversation = await client.conversations.create({});
    let compactions = 0;
    for (let turn = 1; turn <= 50; turn++) {
      const response = await client.responses.create({
        model: TINY_MODEL,
        conversation: conversation.id,
        input: story(turn),
        max_output_tokens: 48,
        context_management: [{ type: 'compaction', compact_threshold: 1000 }],
      } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
      assert.notEqual(response.status, 'failed', `turn ${turn}: ${response.error?.message}`);
      assert.ok(response.output_text.length > 0, `turn ${turn} answered`);
      if (response.output[0]?.type === 'compaction') compactions++;
    }
    assert.ok(compactions >= 2, `the context was compacted as it grew (${compactions} times)`);
    const items = await client.conversations.items.list(conversation.id, { limit: 100, order: 'desc' });
    assert.ok(items.data.some((item) => (item.type as string) === 'compaction'));
    const next = await client.responses.inputTokens.count({
      model: TINY_MODEL,
      conversation: conversation.id,
      input: 'And then?',
    });
    assert.ok(next.input_tokens < 2048, 'the conversation reads from its last compaction on');
  });
});
