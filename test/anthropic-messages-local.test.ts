import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import {
  anthropicClient,
  MESSAGE_KEYS,
  postMessages,
  readMessageStream,
} from './support/anthropic-messages.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

/** SDK 1.10.0 has dropped the sampling parameters from its types; the API and Portico still take them. */
type Sampled = Anthropic.MessageCreateParamsNonStreaming;

// ---------------------------------------------------------------------------------------------
// The real server with the real local model, asked through Anthropic's SDK.

describe('POST /v1/messages on a local model', () => {
  let portico: TestPortico;
  let client: Anthropic;
  const messages = [{ role: 'user' as const, content: 'Once upon a time' }];

  before(async () => {
    portico = await startPortico();
    client = anthropicClient(portico.server.url);
  });
  after(() => portico.stop());

  test('a Message with a text block; max_tokens reached is stop_reason max_tokens', async () => {
    const message = await client.messages.create({ model: TINY_MODEL, max_tokens: 8, messages });
    assert.deepEqual(Object.keys(message).sort(), MESSAGE_KEYS);
    assert.match(message.id, /^msg_/);
    assert.equal(message.model, TINY_MODEL);
    assert.equal(message.content.length, 1);
    const block = message.content[0]!;
    assert.ok(block.type === 'text' && block.text.length > 0);
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 8);
    assert.ok(message.usage.input_tokens > 0);
    assert.equal(message.usage.cache_read_input_tokens, 0);
  });

  test('a stream: the raw events in order, and the SDK folds them into the same text', async () => {
    const body = { model: TINY_MODEL, max_tokens: 12, temperature: 0, messages } as Sampled;
    const res = await postMessages(portico.server.url, { ...body, stream: true });
    assert.equal(res.status, 200);
    const { events, order } = await readMessageStream(res.body!);
    assert.deepEqual(order, [
      'message_start',
      'content_block_start 0 text',
      'content_block_delta 0 text_delta',
      'content_block_stop 0',
      'message_delta',
      'message_stop',
    ]);
    const text = events
      .filter((event) => event.type === 'content_block_delta')
      .map((event) => (event.delta as { text: string }).text)
      .join('');
    const final = await client.messages.stream(body).finalMessage();
    assert.deepEqual(final.content, [{ type: 'text', text }], 'the same answer at temperature 0');
    assert.equal(final.stop_reason, 'max_tokens');
    assert.equal(final.usage.output_tokens, 12);
    assert.ok(final.usage.input_tokens > 0, 'message_delta carries the input tokens');
  });

  test('a stop sequence ends the answer where it appears, and the answer names it; system reaches the model', async () => {
    const free = await client.messages.create({
      model: TINY_MODEL,
      max_tokens: 40,
      temperature: 0,
      messages,
    } as Sampled);
    const text = (free.content[0] as Anthropic.TextBlock).text;
    const at = text.indexOf(' ', 8);
    assert.ok(at > 0, text);
    const asked = {
      model: TINY_MODEL,
      max_tokens: 40,
      temperature: 0,
      messages,
      stop_sequences: ['never said', text.slice(at, at + 4)],
    } as Sampled;
    const stopped = await client.messages.create(asked);
    assert.deepEqual(stopped.content, [{ type: 'text', text: text.slice(0, at) }]);
    assert.deepEqual([stopped.stop_reason, stopped.stop_sequence], ['stop_sequence', text.slice(at, at + 4)]);
    const streamed = await client.messages.stream(asked).finalMessage();
    assert.deepEqual(
      [streamed.stop_reason, streamed.stop_sequence],
      ['stop_sequence', text.slice(at, at + 4)],
    );
    assert.deepEqual(
      [free.stop_reason, free.stop_sequence],
      ['max_tokens', null],
      'no stop sequence ended it',
    );

    const instructed = await client.messages.create({
      model: TINY_MODEL,
      max_tokens: 1,
      system: 'Tell a story about a cat.',
      messages,
    });
    assert.ok(
      instructed.usage.input_tokens > free.usage.input_tokens,
      'the system prompt is part of the input',
    );
  });

  test('count_tokens counts as the model does: what a message then reports as its input', async () => {
    const counted = await client.messages.countTokens({ model: TINY_MODEL, system: 'Be kind.', messages });
    const message = await client.messages.create({
      model: TINY_MODEL,
      max_tokens: 1,
      system: 'Be kind.',
      messages,
    });
    assert.equal(counted.input_tokens, message.usage.input_tokens);
  });

  test('a thinking budget on a model that does not reason: it answers, and says so', async () => {
    const { data, response } = await client.messages
      .create({
        model: TINY_MODEL,
        max_tokens: 3,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        messages,
      })
      .withResponse();
    assert.equal(data.content[0]?.type, 'text');
    assert.match(
      response.headers.get('x-portico-warnings') ?? '',
      /thinking: the model 'local\/stories260K' does not reason/,
    );
  });

  test("Workers AI's and AI Gateway's Messages paths answer from the local model", async () => {
    for (const base of ['/client/v4/accounts/acct/ai', '/v1/acct/default/anthropic']) {
      const message = await anthropicClient(`${portico.server.url}${base}`).messages.create({
        model: TINY_MODEL,
        max_tokens: 3,
        messages,
      });
      assert.equal(message.model, TINY_MODEL, base);
      assert.equal(message.stop_reason, 'max_tokens', base);
    }
  });

  test("what the model cannot take is refused naming the client's own block, once", async () => {
    const image = {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
    };
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const body = {
        model: TINY_MODEL,
        max_tokens: 3,
        system: 'Tell stories.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: [{ type: 'text', text: 'Look' }, image] },
        ],
      };
      if (path.endsWith('count_tokens')) delete (body as { max_tokens?: number }).max_tokens;
      const res = await postMessages(portico.server.url, body, path);
      assert.equal(res.status, 400, path);
      const { error } = (await res.json()) as { error: { message: string } };
      assert.match(error.message, /^messages\[2\]\.content\[1\]: The model .* does not take images/, path);
    }
  });

  test("malformed requests are a 4xx in Anthropic's error shape, never a 500", async () => {
    const block = fc.record(
      {
        type: fc.constantFrom('text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'search'),
        text: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        source: fc.jsonValue({ maxDepth: 3 }),
        id: fc.string(),
        input: fc.jsonValue({ maxDepth: 2 }),
        content: fc.jsonValue({ maxDepth: 3 }),
        signature: fc.string(),
      },
      { requiredKeys: ['type'] },
    );
    const fields = fc.record(
      {
        messages: fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.array(
            fc.record({
              role: fc.constantFrom('user', 'assistant', 'system', 'tool'),
              content: fc.oneof(fc.string(), fc.array(block, { maxLength: 3 })),
            }),
            { maxLength: 3 },
          ),
        ),
        system: fc.jsonValue({ maxDepth: 2 }),
        tools: fc.jsonValue({ maxDepth: 3 }),
        tool_choice: fc.jsonValue({ maxDepth: 2 }),
        thinking: fc.jsonValue({ maxDepth: 2 }),
        stop_sequences: fc.jsonValue({ maxDepth: 2 }),
        metadata: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );
    const bodies = fc.oneof(
      fields.map((value) => ({ model: TINY_MODEL, max_tokens: 1, ...value })),
      fc.jsonValue({ maxDepth: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(
        bodies,
        fc.constantFrom('/v1/messages', '/v1/messages/count_tokens'),
        async (body, path) => {
          const res = await postMessages(portico.server.url, body, path);
          const answer = await res.text();
          if (res.status === 200) return;
          assert.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status} ${answer.slice(0, 300)}`);
          const parsed = JSON.parse(answer) as { type: string; error: { type: string; message: string } };
          assert.equal(parsed.type, 'error');
          assert.equal(typeof parsed.error.type, 'string');
          assert.equal(typeof parsed.error.message, 'string');
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
