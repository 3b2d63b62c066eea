import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessagesRequest, type AnthropicBlock } from '../src/api/anthropic-messages.ts';
import { ApiError } from '../src/api/errors.ts';
import type { ContentPart } from '../src/api/items.ts';
import { parseBody } from '../src/api/request.ts';
import type { OutputReasoning } from '../src/api/response.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { anthropicErrorBody } from '../src/formats/anthropic-messages/anthropic-error.ts';
import { blockParts } from '../src/formats/anthropic-messages/anthropic-block-parts.ts';
import { fromMessagesRequest } from '../src/formats/anthropic-messages/from-messages-request.ts';
import { messagesParam } from '../src/formats/anthropic-messages/messages-param.ts';
import { reasoningItem, thinkingBlocks } from '../src/formats/anthropic-messages/thinking-blocks.ts';
import { anthropicBlocks } from '../src/providers/anthropic/anthropic-content.ts';
import { encodeThinking } from '../src/providers/anthropic/thinking-signature.ts';
import { scriptedModel } from './support/scripted-provider.ts';

const catalog = new Catalog([scriptedModel('test/scripted', 'scripted')], new Map());
const translate = (body: Record<string, unknown>) =>
  fromMessagesRequest(
    parseBody(MessagesRequest, { model: 'test/scripted', max_tokens: 10, ...body }),
    catalog,
  );

describe('Anthropic blocks and Responses parts', () => {
  test('images and documents become parts the Anthropic provider turns back into the same blocks', () => {
    const blocks = [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
        title: 'a.pdf',
      },
      { type: 'document', source: { type: 'url', url: 'https://example.com/b.pdf' } },
      {
        type: 'document',
        source: { type: 'text', media_type: 'text/plain', data: 'Plain words, é.' },
        title: 'notes',
      },
    ];
    const parsed = parseBody(MessagesRequest, {
      model: 'm',
      max_tokens: 1,
      messages: [{ role: 'user', content: blocks }],
    }).messages[0]!.content as Array<Extract<AnthropicBlock, { type: 'image' | 'document' }>>;
    const parts: ContentPart[] = parsed.flatMap((block, i) => blockParts(block, `b[${i}]`, []));
    assert.deepEqual(anthropicBlocks(parts), blocks);
  });

  test('a document given as content is its text and images; its context and citations are reported', () => {
    const warnings: string[] = [];
    const parts = blockParts(
      {
        type: 'document',
        source: {
          type: 'content',
          content: [
            { type: 'text', text: 'One.' },
            { type: 'text', text: 'Two.' },
          ],
        },
        context: 'From a book.',
        citations: { enabled: true },
      },
      'messages[0].content[0]',
      warnings,
    );
    assert.deepEqual(parts, [
      { type: 'input_text', text: 'One.' },
      { type: 'input_text', text: 'Two.' },
    ]);
    assert.deepEqual(
      warnings.map((w) => w.split(':')[0]),
      ['messages[0].content[0].context', 'messages[0].content[0].citations'],
    );
  });
});

describe('thinking blocks and reasoning items', () => {
  const reasoning = (fields: Partial<OutputReasoning>): OutputReasoning => ({
    type: 'reasoning',
    id: 'rs_1',
    summary: [],
    ...fields,
  });

  test("another model's reasoning rides in the signature and comes back as it was", () => {
    const sealed = 'portico.openai:rs_up:gAAAAAbc';
    const blocks = thinkingBlocks(
      reasoning({ summary: [{ type: 'summary_text', text: 'Sum.' }], encrypted_content: sealed }),
    );
    assert.deepEqual(blocks, [{ type: 'thinking', thinking: 'Sum.', signature: sealed }]);
    assert.deepEqual(reasoningItem(blocks), {
      type: 'reasoning',
      summary: [],
      content: [{ type: 'reasoning_text', text: 'Sum.' }],
      encrypted_content: sealed,
    });
  });

  test('thinking blocks that the text does not match (merged blocks) travel whole in one signature', () => {
    const kept = [
      { type: 'thinking' as const, thinking: 'A.', signature: 's1' },
      { type: 'thinking' as const, thinking: 'B.', signature: 's2' },
    ];
    const encrypted = encodeThinking(kept);
    const blocks = thinkingBlocks(
      reasoning({ content: [{ type: 'reasoning_text', text: 'A.B.' }], encrypted_content: encrypted }),
    );
    assert.deepEqual(blocks, [{ type: 'thinking', thinking: 'A.B.', signature: encrypted }]);
    assert.equal(reasoningItem(blocks).encrypted_content, encrypted);
  });

  test('a Claude answer sent back as it came is the item its provider made; unsigned thinking is text alone', () => {
    const blocks = [
      { type: 'thinking' as const, thinking: 'Hm.', signature: 'sig' },
      { type: 'redacted_thinking' as const, data: 'opaque' },
    ];
    assert.equal(reasoningItem(blocks).encrypted_content, encodeThinking(blocks));
    assert.deepEqual(reasoningItem([{ type: 'thinking', thinking: 'Hm.', signature: '' }]), {
      type: 'reasoning',
      summary: [],
      content: [{ type: 'reasoning_text', text: 'Hm.' }],
    });
    assert.deepEqual(thinkingBlocks(reasoning({})), [], 'an empty item has no block');
  });
});

describe('a messages request as a Responses request', () => {
  test('stateless, with encrypted reasoning, the thinking budget as an effort the model takes', () => {
    const { request, warnings } = translate({
      messages: [{ role: 'user', content: 'hi' }],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: 'user_1' },
      service_tier: 'standard_only',
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
    });
    assert.equal(request.store, false);
    assert.deepEqual(request.include, ['reasoning.encrypted_content']);
    assert.deepEqual(request.reasoning, { effort: 'low' });
    assert.equal(request.user, 'user_1');
    assert.equal(request.service_tier, 'default');
    assert.deepEqual(request.text, {
      format: { type: 'json_schema', name: 'output', schema: { type: 'object' } },
    });
    assert.deepEqual(warnings, []);
  });

  test('disabled thinking sets no reasoning; adaptive thinking takes output_config.effort', () => {
    assert.equal(
      translate({ messages: [{ role: 'user', content: 'hi' }], thinking: { type: 'disabled' } }).request
        .reasoning,
      undefined,
    );
    assert.deepEqual(
      translate({
        messages: [{ role: 'user', content: 'hi' }],
        thinking: { type: 'adaptive' },
        output_config: { effort: 'low' },
      }).request.reasoning,
      { effort: 'low' },
    );
  });

  test("what Claude Code sends beyond the Messages API's core is taken and reported, once each, in its terms", () => {
    const { warnings } = translate({
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      tools: [
        {
          name: 'Read',
          input_schema: { type: 'object' },
          defer_loading: true,
          eager_input_streaming: true,
          input_examples: [{ cache_control: 'a field of the example' }],
        },
        { name: 'Write', input_schema: { type: 'object' }, defer_loading: true },
      ],
      system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral', ttl: '1h', scope: 'global' } }],
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }],
        },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't', name: 'f', input: { cache_control: 1 } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'no', is_error: true }] },
      ],
    });
    assert.deepEqual(
      warnings.map((w) => w.split(':')[0]),
      ['messages[2].content[0].is_error', 'context_management', 'tools', 'tools', 'cache_control'],
    );
    const { warnings: plain } = translate({
      tools: [
        { name: 'Read', input_schema: { type: 'object' }, input_examples: [{ cache_control: 'data' }] },
      ],
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.deepEqual(plain, ["tools: input_examples are not passed on; the tools' schemas were"]);
  });

  test('an engine error names the block the item came from', () => {
    const { origins } = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't', content: 'x' },
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't2', name: 'f', input: {} }] },
      ],
    });
    assert.equal(messagesParam('input[1].content[1]', origins), 'messages[0].content[2]');
    assert.equal(messagesParam('input[2].arguments', origins), 'messages[1].content[0].input');
    assert.equal(messagesParam('input[0].output', origins), 'messages[0].content[0].content');
    assert.equal(messagesParam('max_output_tokens', origins), 'max_tokens');
    assert.equal(messagesParam('reasoning.effort', origins), 'thinking');
    assert.equal(messagesParam('tools[1].parameters', origins), 'tools[1].input_schema');
    assert.equal(messagesParam('instructions', origins), 'system');
  });
});

describe("errors in Anthropic's shape", () => {
  const typeOf = (status: number) =>
    anthropicErrorBody(new ApiError({ status, type: 'server_error', message: 'x' })).error.type;

  test('each status has its Anthropic type; the message names the parameter', () => {
    assert.deepEqual([400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504, 529].map(typeOf), [
      'invalid_request_error',
      'authentication_error',
      'permission_error',
      'not_found_error',
      'invalid_request_error',
      'request_too_large',
      'rate_limit_error',
      'api_error',
      'api_error',
      'overloaded_error',
      'api_error',
      'overloaded_error',
    ]);
    const named = anthropicErrorBody(
      new ApiError({ status: 400, type: 'invalid_request_error', param: 'max_tokens', message: 'Too many.' }),
    );
    assert.deepEqual(named, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Too many.' },
    });
  });
});
