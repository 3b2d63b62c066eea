import { serve, type ServerType } from '@hono/node-server';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { badRequest } from '../src/api/errors.ts';
import { silentLogger } from '../src/logger.ts';
import type { ModelEvent, Provider, Turn } from '../src/providers/provider.ts';
import { createRuntime, type Runtime } from '../src/runtime.ts';
import { createApp } from '../src/server/app.ts';
import {
  scriptedModel,
  ScriptedProvider,
  textAndTwoCalls,
  slowDown,
  halfThenClosed,
} from './support/scripted-provider.ts';

import {
  chatToolCalls,
  COMPLETION_KEYS,
  postJson,
  readChatStream,
  type Chunk,
} from './support/chat-completions.ts';

// ---------------------------------------------------------------------------------------------
// The real route and engine over a scripted provider: tool calls, failures, disconnects.

let script: (turn: Turn) => Array<ModelEvent | Error | { delayMs: number }> = () => [];
const scripted = new ScriptedProvider((turn) => script(turn));

/** Streams text until it is stopped, and records how it was stopped. */
class EndlessProvider implements Provider {
  yielded = 0;
  stopped = false;
  sawAbort = false;
  async *generate(_turn: Turn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    try {
      while (!signal.aborted) {
        yield { type: 'text-delta', delta: 'more ' };
        this.yielded++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      this.stopped = true;
      this.sawAbort = signal.aborted;
    }
  }
}
const endless = new EndlessProvider();

const toolCallScript = (): ModelEvent[] => [
  { type: 'reasoning-delta', delta: 'Both tools.', part: 'content' },
  ...textAndTwoCalls(),
  { type: 'usage', usage: { inputTokens: 30, outputTokens: 14, reasoningTokens: 3 } },
  { type: 'finish', reason: 'tool-calls' },
];

describe('POST /v1/chat/completions over a scripted provider', () => {
  let server: ServerType;
  let baseUrl: string;
  let client: OpenAI;
  let runtime: Runtime;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'portico-chat-'));
    runtime = await createRuntime({
      dataDir,
      modelsDirs: [],
      env: {},
      models: [scriptedModel('test/scripted', 'scripted'), scriptedModel('test/endless', 'endless')],
      providers: new Map<string, Provider>([
        ['scripted', scripted],
        ['endless', endless],
      ]),
    });
    const app = createApp(runtime, silentLogger);
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await new Promise<void>((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    });
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const toolRequest = {
    model: 'test/scripted',
    messages: [{ role: 'user' as const, content: 'Weather and time in Paris?' }],
    tools: [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
      { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object' } } },
    ],
  };

  test('tool calls, not streamed', async () => {
    script = toolCallScript;
    const completion = await client.chat.completions.create(toolRequest);
    assert.match(completion.id, /^chatcmpl-/);
    assert.deepEqual(Object.keys(completion).sort(), COMPLETION_KEYS);
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Let me check.');
    assert.deepEqual(choice.message.tool_calls, chatToolCalls);
    assert.equal(
      (choice.message as unknown as { reasoning_content: string }).reasoning_content,
      'Both tools.',
    );
    assert.deepEqual(completion.usage, {
      prompt_tokens: 30,
      completion_tokens: 14,
      total_tokens: 44,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
    const turn = scripted.turns.at(-1)!;
    assert.equal(turn.tools.length, 2);
    assert.equal(
      await runtime.stores.responses.get(`resp_${completion.id.slice('chatcmpl-'.length)}`, 'default'),
      undefined,
      'chat completions are not stored',
    );
  });

  test('tool calls, streamed: the SDK accumulator rebuilds the same message', async () => {
    script = toolCallScript;
    const stream = client.chat.completions.stream({
      ...toolRequest,
      stream_options: { include_usage: true },
    });
    const argumentDeltas: Array<[number, string]> = [];
    stream.on('chunk', (chunk) => {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? [])
        if (call.function?.arguments) argumentDeltas.push([call.index, call.function.arguments]);
    });
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Let me check.');
    assert.deepEqual(
      choice.message.tool_calls?.map(
        (call) => call.type === 'function' && [call.id, call.function.name, call.function.arguments],
      ),
      [
        ['call_a', 'get_weather', '{"city":"Paris"}'],
        ['call_b', 'get_time', '{"tz":"CET"}'],
      ],
    );
    assert.deepEqual(argumentDeltas, [
      [0, '{"city":'],
      [0, '"Paris"}'],
      [1, '{"tz":"CET"}'],
    ]);
    assert.equal(final.usage?.completion_tokens, 14);
  });

  test('the engine receives the tool history and images as Responses items', async () => {
    script = () => [
      { type: 'text-delta', delta: 'Sunny.' },
      { type: 'finish', reason: 'stop' },
    ];
    const completion = await client.chat.completions.create({
      model: 'test/scripted',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'Sunny' },
      ],
      max_completion_tokens: 50,
    });
    assert.equal(completion.choices[0]!.message.content, 'Sunny.');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    const turn = scripted.turns.at(-1)!;
    assert.equal(turn.instructions, undefined, 'system messages stay messages');
    assert.deepEqual(
      turn.items.map((item) => [
        item.type,
        'role' in item ? item.role : '',
        'call_id' in item ? item.call_id : '',
      ]),
      [
        ['message', 'system', ''],
        ['message', 'user', ''],
        ['function_call', '', 'call_a'],
        ['function_call_output', '', 'call_a'],
      ],
    );
    const user = turn.items[1] as Extract<Turn['items'][number], { type: 'message' }>;
    assert.deepEqual(user.content[1], {
      type: 'input_image',
      image_url: 'https://example.com/a.png',
      detail: 'auto',
    });
    assert.equal(turn.sampling.maxOutputTokens, 50);
  });

  test('a failure before generation is an HTTP error with its status', async () => {
    script = () => [slowDown()];
    const res = await postJson(baseUrl, {
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.deepEqual(await res.json(), {
      error: { message: 'Slow down.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    });
  });

  test('an engine error naming a Responses parameter names the chat parameter', async () => {
    script = () => [badRequest('input[1].content[0]', 'This model cannot see images.', 'unsupported_value')];
    await assert.rejects(
      client.chat.completions.create({
        model: 'test/scripted',
        messages: [
          { role: 'system', content: 'Look.' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        ],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'messages[1].content[0]',
    );
  });

  test('a failure after streaming began ends the stream with an error chunk and no [DONE]', async () => {
    script = halfThenClosed;
    const res = await postJson(baseUrl, {
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    assert.equal(res.status, 200);
    const { items, done } = await readChatStream(res.body!);
    assert.equal(done, false);
    // The error the response failed with (engine/finish-details.ts), not a generic server_error.
    assert.deepEqual(items.at(-1), {
      error: {
        message: 'The upstream closed the connection.',
        type: 'upstream_error',
        param: null,
        code: null,
      },
    });
    assert.equal((items[1] as unknown as Chunk).choices[0]?.delta.content, 'Half');

    const stream = await client.chat.completions.create({
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
      (error: unknown) => error instanceof OpenAI.APIError && /upstream closed/.test(error.message),
    );
  });

  test('a response that fails, not streamed, is an HTTP error', async () => {
    script = () => [{ type: 'text-delta', delta: 'Half' }, new Error('socket hang up')];
    const res = await postJson(baseUrl, {
      model: 'test/scripted',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'server_error');
    assert.ok(!body.error.message.includes('socket hang up'), 'internal failures are not leaked');
  });

  test('a client that disconnects stops generation', async () => {
    const abort = new AbortController();
    const res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test/endless',
        messages: [{ role: 'user', content: 'go' }],
        stream: true,
      }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('more ')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    for (let i = 0; i < 100 && !endless.stopped; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(endless.stopped, true);
    assert.equal(endless.sawAbort, true, 'generation was aborted, not finished');
  });
});
