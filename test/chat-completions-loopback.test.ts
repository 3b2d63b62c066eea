import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

/**
 * Portico as a real Chat Completions upstream of another Portico: the front one reaches the
 * back one's local model through the `chat-completions` provider, and keeps the state itself.
 */
let back: TestPortico;
let front: TestPortico;
const dir = mkdtempSync(join(tmpdir(), 'portico-loopback-'));

before(async () => {
  back = await startPortico();
  const config = join(dir, 'portico.yaml');
  writeFileSync(
    config,
    [
      'providers:',
      `  back: { type: chat-completions, preset: openai-compatible, base_url: '${back.server.url}/v1', api_key_env: BACK_KEY }`,
      'models:',
      `  - { id: back/stories, provider: back, upstream_model: '${TINY_MODEL}', context_window: 2048 }`,
    ].join('\n'),
  );
  front = await startPortico({ configPath: config, modelsDirs: [], env: { BACK_KEY: 'unused-key' } });
});
after(async () => {
  await front.stop();
  await back.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the chat-completions provider against Portico itself', () => {
  test('a response through the proxy matches the local model answering directly', async () => {
    const direct = await back.client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      temperature: 0,
      max_output_tokens: 20,
    });
    const proxied = await front.client.responses.create({
      model: 'back/stories',
      input: 'Once upon a time',
      temperature: 0,
      max_output_tokens: 20,
    });
    assertMatchesSchema('Response', proxied);
    assert.equal(proxied.output_text, direct.output_text);
    assert.equal(proxied.status, 'incomplete');
    assert.deepEqual(proxied.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(proxied.usage!.output_tokens, 20);
  });

  test('state stays in the front Portico across a previous_response_id chain', async () => {
    const first = await front.client.responses.create({
      model: 'back/stories',
      input: 'Once upon a time',
      max_output_tokens: 10,
    });
    const stream = front.client.responses.stream({
      model: 'back/stories',
      input: 'And then?',
      previous_response_id: first.id,
      max_output_tokens: 10,
    });
    const { id } = await stream.finalResponse();
    const second = await front.client.responses.retrieve(id);
    assert.equal(second.previous_response_id, first.id);
    assert.ok(second.usage!.input_tokens > first.usage!.input_tokens, 'the history reached the upstream');
  });
});
