import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type OpenAI from 'openai';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

let portico: TestPortico;
let client: OpenAI;
let upstream: ReplayServer;
let configDir: string;

before(async () => {
  const compacted = loadFixture(new URL('./fixtures/openai/compact.json', import.meta.url));
  upstream = await startReplayServer(() => compacted);
  configDir = mkdtempSync(join(tmpdir(), 'portico-compact-'));
  const configPath = join(configDir, 'portico.yaml');
  writeFileSync(
    configPath,
    [
      'providers:',
      `  oai: { type: openai, base_url: "${upstream.url}/v1", api_key_env: COMPACT_TEST_KEY }`,
      'models:',
      '  - { id: oai/model, provider: oai, upstream_model: gpt-5.4, context_window: 400000 }',
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
