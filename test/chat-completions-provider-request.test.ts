import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../src/api/items.ts';
import { CHAT_PRESETS } from '../src/providers/chat-completions/presets.ts';
import type { Turn } from '../src/providers/provider.ts';
import { rejection } from './support/api-error-checks.ts';
import { userText } from './support/provider-turn.ts';
import {
  SECRET,
  makeTurn,
  provider,
  run,
  upstreamRequests,
  useChatCompletionsReplay,
} from './support/chat-completions-replay.ts';

// What the Chat Completions provider sends: a turn translated to a Chat Completions request, per preset.
useChatCompletionsReplay();

describe('chat-completions: request translation', () => {
  const history: Item[] = [
    { type: 'message', id: 'msg_d', role: 'developer', content: [{ type: 'input_text', text: 'Be terse.' }] },
    {
      type: 'message',
      id: 'msg_1',
      role: 'user',
      content: [
        { type: 'input_text', text: 'Weather in these two cities?' },
        { type: 'input_image', image_url: 'https://example.com/map.png', detail: 'high' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'original' },
      ],
    },
    { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Two calls.' }] },
    {
      type: 'message',
      id: 'msg_2',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }],
    },
    {
      type: 'function_call',
      id: 'fc_1',
      call_id: 'call_A',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    },
    {
      type: 'function_call',
      id: 'fc_2',
      call_id: 'call_B',
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    },
    { type: 'function_call_output', id: 'fco_1', call_id: 'call_A', output: '18C, sunny' },
    {
      type: 'function_call_output',
      id: 'fco_2',
      call_id: 'call_B',
      output: [{ type: 'input_text', text: '4C, snow' }],
    },
    { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_C', name: 'run_sql', input: 'SELECT 1;' },
    { type: 'custom_tool_call_output', id: 'ctco_1', call_id: 'call_C', output: '1' },
    { type: 'web_search_call', id: 'ws_1', status: 'completed' },
    userText('Summarize as JSON.', 'msg_3'),
  ];
  const turn = makeTurn({
    instructions: 'You are a weather bot.',
    items: history,
    tools: [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Current weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
      {
        type: 'custom',
        name: 'run_sql',
        description: 'Runs SQL',
        format: { type: 'grammar', syntax: 'regex', definition: '^SELECT .*;$' },
      },
      { type: 'web_search' },
    ],
    toolChoice: { type: 'function', name: 'get_weather' },
    parallelToolCalls: false,
    text: {
      format: {
        type: 'json_schema',
        name: 'summary',
        schema: { type: 'object', properties: { text: { type: 'string' } } },
        strict: true,
      },
    },
    reasoning: { effort: 'high' },
    sampling: { maxOutputTokens: 300, temperature: 0.2, topP: 0.9, seed: 7 },
  });

  test('a multi-turn turn becomes one Chat Completions request', async () => {
    await run('text', turn);
    const request = upstreamRequests()[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/chat/completions');
    assert.equal(request.headers.authorization, `Bearer ${SECRET}`);
    assert.equal(request.headers['x-extra'], 'yes');
    assert.deepEqual(request.json, {
      model: 'Qwen/Qwen3-8B',
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'system', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in these two cities?' },
            { type: 'image_url', image_url: { url: 'https://example.com/map.png', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking both.',
          tool_calls: [
            {
              id: 'call_A',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            {
              id: 'call_B',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_A', content: '18C, sunny' },
        { role: 'tool', tool_call_id: 'call_B', content: '4C, snow' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_C',
              type: 'function',
              function: { name: 'run_sql', arguments: '{"input":"SELECT 1;"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_C', content: '1' },
        { role: 'user', content: 'Summarize as JSON.' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            strict: true,
          },
        },
        {
          type: 'function',
          function: {
            name: 'run_sql',
            description: 'Runs SQL\n\nThe input must match this regex grammar:\n^SELECT .*;$',
            parameters: {
              type: 'object',
              properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
              required: ['input'],
              additionalProperties: false,
            },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'summary',
          schema: { type: 'object', properties: { text: { type: 'string' } } },
          strict: true,
        },
      },
      reasoning_effort: 'high',
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
    });
  });

  test('presets shape roles, the token limit and the reasoning effort', async () => {
    await run('text', turn, 'openai');
    const openai = upstreamRequests()[0]!.json as { messages: Array<{ role: string }> };
    assert.deepEqual(
      openai.messages.slice(0, 2).map((m) => m.role),
      ['developer', 'developer'],
    );

    await run('text', turn, 'ollama');
    const ollama = upstreamRequests()[1]!.json as Record<string, unknown>;
    assert.equal(ollama.max_tokens, 300);
    assert.equal('max_completion_tokens' in ollama, false);

    await run('text', turn, 'openrouter');
    const openrouter = upstreamRequests()[2]!.json as Record<string, unknown>;
    assert.deepEqual(openrouter.reasoning, { effort: 'high' });
    assert.equal('reasoning_effort' in openrouter, false);

    await run('text', makeTurn({ reasoning: { effort: 'low' }, text: { verbosity: 'low' } }), 'deepseek');
    const deepseek = upstreamRequests()[3]!.json as Record<string, unknown>;
    assert.equal('reasoning_effort' in deepseek, false);
    assert.equal('verbosity' in deepseek, false);
  });

  test('allowed_tools filters the list; tool fields are left out without tools', async () => {
    const tools: Turn['tools'] = [
      { type: 'function', name: 'a', parameters: null },
      { type: 'function', name: 'b' },
    ];
    await run(
      'text',
      makeTurn({
        tools,
        toolChoice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'b' }] },
      }),
    );
    const filtered = upstreamRequests()[0]!.json as Record<string, unknown>;
    assert.deepEqual(filtered.tools, [
      { type: 'function', function: { name: 'b', parameters: { type: 'object', properties: {} } } },
    ]);
    assert.equal(filtered.tool_choice, 'required');
    assert.equal(filtered.parallel_tool_calls, true);

    await run('text', makeTurn({ toolChoice: 'none' }));
    const none = upstreamRequests()[1]!.json as Record<string, unknown>;
    for (const field of ['tools', 'tool_choice', 'parallel_tool_calls'])
      assert.equal(field in none, false, field);
  });

  test('json_object becomes response_format json_object', async () => {
    await run('structured-output', makeTurn({ text: { format: { type: 'json_object' } } }));
    assert.deepEqual((upstreamRequests()[0]!.json as Record<string, unknown>).response_format, {
      type: 'json_object',
    });
  });

  test('an image by file_id is refused before anything is sent', async () => {
    const items: Item[] = [
      {
        type: 'message',
        id: 'm',
        role: 'user',
        content: [{ type: 'input_image', file_id: 'file_1', detail: 'auto' }],
      },
    ];
    const error = await rejection(run('text', makeTurn({ items })));
    assert.equal(error.status, 400);
    assert.equal(upstreamRequests().length, 0);
  });

  test('the registry builds every preset in the table', () => {
    for (const name of CHAT_PRESETS.keys()) assert.equal(provider(name).preset.name, name);
    assert.throws(() => provider('no-such-preset'), /Unknown chat-completions preset/);
  });
});
