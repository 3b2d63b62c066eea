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
  const reasoning = loadFixture(new URL('./fixtures/openai/reasoning.json', import.meta.url));
  upstream = await startReplayServer(() => reasoning);
  configDir = mkdtempSync(join(tmpdir(), 'portico-reasoning-'));
  const configPath = join(configDir, 'portico.yaml');
  writeFileSync(
    configPath,
    [
      'providers:',
      `  oai: { type: openai, base_url: "${upstream.url}/v1", api_key_env: REASONING_TEST_KEY }`,
      'models:',
      '  - { id: oai/reasoner, provider: oai, upstream_model: gpt-5.4, context_window: 400000, capabilities: { reasoning_efforts: [low, medium, high] } }',
      '',
    ].join('\n'),
  );
  portico = await startPortico({ configPath, env: { REASONING_TEST_KEY: 'sk-reasoning-test' } });
  client = portico.client;
});
after(async () => {
  await portico.stop();
  await upstream.close();
  rmSync(configDir, { recursive: true, force: true });
});

type Reasoning = { type: 'reasoning'; encrypted_content?: string | null; summary: unknown[] };
const reasoningOf = (response: { output: unknown[] }) =>
  response.output.find((item) => (item as { type: string }).type === 'reasoning') as Reasoning | undefined;

describe('reasoning', () => {
  test('encrypted_content only when include asks for it; always carried back upstream', async () => {
    const plain = await client.responses.create({
      model: 'oai/reasoner',
      input: 'Think.',
      reasoning: { effort: 'high', summary: 'auto' },
    });
    const item = reasoningOf(plain);
    assert.ok(item && item.summary.length > 0);
    assert.ok(!('encrypted_content' in item), 'not asked for, not shown');
    assert.ok(plain.usage!.output_tokens_details.reasoning_tokens > 0);
    assert.ok(!('encrypted_content' in reasoningOf(await client.responses.retrieve(plain.id))!));
    const included = await client.responses.retrieve(plain.id, { include: ['reasoning.encrypted_content'] });
    assert.match(reasoningOf(included)!.encrypted_content!, /^portico\.openai:/);

    const asked = await client.responses.create({
      model: 'oai/reasoner',
      input: 'Think again.',
      include: ['reasoning.encrypted_content'],
    });
    assert.ok(reasoningOf(asked)?.encrypted_content, 'asked for, shown');

    const seen = upstream.requests.length;
    await client.responses.create({ model: 'oai/reasoner', input: 'And?', previous_response_id: plain.id });
    const sent = upstream.requests[seen]!.json as {
      input: Array<{ type: string; encrypted_content?: string }>;
    };
    const carried = sent.input.find((entry) => entry.type === 'reasoning');
    assert.ok(carried?.encrypted_content, 'the hidden encrypted reasoning went back upstream');
  });

  test('reasoning settings are checked against the catalog', async () => {
    await assert.rejects(
      client.responses.create({ model: TINY_MODEL, input: 'x', reasoning: { summary: 'auto' } }),
      { status: 400, param: 'reasoning.summary' },
    );
    await assert.rejects(
      client.responses.create({ model: 'oai/reasoner', input: 'x', reasoning: { effort: 'xhigh' } }),
      {
        status: 400,
        param: 'reasoning.effort',
      },
    );
  });
});
