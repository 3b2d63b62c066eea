import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import { encodeThinking } from '../src/providers/anthropic/thinking-signature.ts';
import type { Turn } from '../src/providers/provider.ts';
import { userText } from './support/provider-turn.ts';
import {
  SECRET,
  lastBody,
  makeTurn,
  model,
  run,
  upstreamRequests,
  useAnthropicReplay,
  warnings,
} from './support/anthropic-replay.ts';

// What the Anthropic provider sends: a turn translated to one Messages request.
useAnthropicReplay();

const signed = encodeThinking([
  { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig-1' },
  { type: 'redacted_thinking', data: 'opaque-1' },
]);

const weatherTool: Turn['tools'][number] = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('anthropic: request translation', () => {
  test('a multi-turn tool loop with thinking becomes one Messages request', async () => {
    const items: Item[] = [
      userText('Weather in Paris and Oslo? Here is a map.', 'msg_1'),
      {
        type: 'message',
        id: 'msg_1b',
        role: 'user',
        content: [
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
          { type: 'input_image', image_url: 'https://example.com/map.png', detail: 'auto' },
        ],
      },
      {
        type: 'message',
        id: 'msg_d',
        role: 'developer',
        content: [{ type: 'input_text', text: 'Be terse.' }],
      },
      { type: 'reasoning', id: 'rs_1', summary: [], content: [], encrypted_content: signed },
      {
        type: 'message',
        id: 'msg_2',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }],
      },
      {
        type: 'function_call',
        id: 'fc_1',
        call_id: 'toolu_A',
        name: 'get_weather',
        arguments: '{"city":"Paris"}',
      },
      {
        type: 'function_call',
        id: 'fc_2',
        call_id: 'call.B',
        name: 'get_weather',
        arguments: '{"city":"Oslo"}',
      },
      { type: 'function_call_output', id: 'o_1', call_id: 'toolu_A', output: '18C' },
      {
        type: 'function_call_output',
        id: 'o_2',
        call_id: 'call.B',
        output: [{ type: 'input_text', text: '4C' }],
      },
    ];
    await run(
      'text',
      makeTurn({
        instructions: 'You are a weather bot.',
        items,
        tools: [weatherTool, { type: 'web_search' }],
        parallelToolCalls: false,
        reasoning: { effort: 'medium' },
        text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' } } },
        sampling: { maxOutputTokens: 16000, temperature: 0.3 },
      }),
    );
    const request = upstreamRequests()[0]!;
    assert.equal(request.url, '/v1/messages');
    assert.equal(request.headers['x-api-key'], SECRET);
    assert.equal(request.headers['anthropic-version'], '2023-06-01');
    assert.equal(request.headers['anthropic-beta'], 'fine-grained-tool-streaming-2025-05-14');
    assert.equal(request.headers.authorization, undefined);
    assert.deepEqual(request.json, {
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 16000,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris and Oslo? Here is a map.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/map.png' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig-1' },
            { type: 'redacted_thinking', data: 'opaque-1' },
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_B', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_A', content: '18C' },
            { type: 'tool_result', tool_use_id: 'call_B', content: [{ type: 'text', text: '4C' }] },
          ],
        },
      ],
      stream: true,
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      system: [
        { type: 'text', text: 'You are a weather bot.' },
        { type: 'text', text: 'Be terse.' },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 8192 },
    });
    const logged = JSON.stringify(warnings);
    assert.match(logged, /web_search/);
    assert.match(logged, /temperature/);
  });

  test('a forced tool turns thinking off; foreign reasoning is not sent; custom tools take one string', async () => {
    await run(
      'text',
      makeTurn({
        model: { ...model, maxOutputTokens: 64000 },
        items: [
          userText('Go'),
          { type: 'reasoning', id: 'rs_x', summary: [], encrypted_content: 'gAAAAABopenai-blob' },
          { type: 'custom_tool_call', id: 'c1', call_id: 'toolu_C', name: 'run_sql', input: 'SELECT 1;' },
          { type: 'custom_tool_call_output', id: 'c2', call_id: 'toolu_C', output: '1' },
        ],
        tools: [{ type: 'custom', name: 'run_sql' }],
        toolChoice: 'required',
        reasoning: { effort: 'high' },
        sampling: { temperature: 0.5, topP: 0.9, seed: 3 },
      }),
    );
    const body = lastBody();
    assert.equal(body.max_tokens, 64000);
    assert.equal(body.thinking, undefined);
    assert.deepEqual(body.tool_choice, { type: 'any' });
    assert.equal(body.temperature, 0.5);
    assert.equal(body.top_p, undefined);
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Go' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_C', name: 'run_sql', input: { input: 'SELECT 1;' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_C', content: '1' }] },
    ]);
    assert.deepEqual((body.tools as Array<{ input_schema: unknown }>)[0]!.input_schema, {
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
      required: ['input'],
      additionalProperties: false,
    });
    assert.match(JSON.stringify(warnings), /seed/);
  });

  test('thinking is off when the tool call being answered came without thinking', async () => {
    await run(
      'text',
      makeTurn({
        items: [
          userText('Go'),
          { type: 'function_call', id: 'f', call_id: 'toolu_1', name: 'get_weather', arguments: '{}' },
          { type: 'function_call_output', id: 'o', call_id: 'toolu_1', output: 'ok' },
        ],
        tools: [weatherTool],
        reasoning: { effort: 'low' },
      }),
    );
    assert.equal(lastBody().thinking, undefined);
  });

  test('effort maps to a budget below max_tokens, or to no thinking when it cannot fit', async () => {
    await run('text', makeTurn({ reasoning: { effort: 'high' } }));
    assert.equal(lastBody().max_tokens, 16384 + 4096);
    assert.deepEqual(lastBody().thinking, { type: 'enabled', budget_tokens: 16384 });

    await run('text', makeTurn({ reasoning: { effort: 'xhigh' }, sampling: { maxOutputTokens: 5000 } }));
    assert.deepEqual(lastBody().thinking, { type: 'enabled', budget_tokens: 4999 });

    await run('text', makeTurn({ reasoning: { effort: 'low' }, sampling: { maxOutputTokens: 800 } }));
    assert.equal(lastBody().thinking, undefined);
    assert.equal(lastBody().max_tokens, 800);

    await run('text', makeTurn({ reasoning: { effort: 'none' } }));
    assert.equal(lastBody().thinking, undefined);
    assert.equal(lastBody().max_tokens, 4096);
  });

  test('json_object is asked for in the system prompt', async () => {
    await run('structured-output', makeTurn({ text: { format: { type: 'json_object' } } }));
    assert.deepEqual(lastBody().system, [
      { type: 'text', text: 'Answer with a single JSON object and nothing else.' },
    ]);
  });
});
