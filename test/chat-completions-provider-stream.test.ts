import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChatCompletionsProvider } from '../src/providers/chat-completions/chat-completions-provider.ts';
import type { ModelEvent } from '../src/providers/provider.ts';
import { finishError, rejection } from './support/api-error-checks.ts';
import { checkFixturesThroughEngine } from './support/fixtures-through-engine.ts';
import { collect } from './support/provider-turn.ts';
import { startReplayServer } from './support/replay-server.ts';
import { undiciPost } from '../src/providers/http/upstream-post.ts';
import {
  SECRET,
  answerWith,
  fixture,
  makeTurn,
  model,
  provider,
  run,
  useChatCompletionsReplay,
} from './support/chat-completions-replay.ts';

// What the Chat Completions provider makes of the answers: stream translation, faults, and every recorded stream through the engine.
useChatCompletionsReplay();

describe('chat-completions: stream translation', () => {
  test('text, with usage and cached tokens', async () => {
    assert.deepEqual(await run('text'), [
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: ', Ada' },
      { type: 'text-delta', delta: '!' },
      {
        type: 'usage',
        usage: { inputTokens: 21, outputTokens: 4, cachedInputTokens: 16, reasoningTokens: 0 },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('a tool call streams its arguments by index', async () => {
    assert.deepEqual(await run('tool-call'), [
      { type: 'tool-call-start', callId: 'call_W31x9', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_W31x9', delta: '{"city":' },
      { type: 'tool-call-delta', callId: 'call_W31x9', delta: ' "Paris"}' },
      { type: 'tool-call-end', callId: 'call_W31x9' },
      {
        type: 'usage',
        usage: { inputTokens: 80, outputTokens: 18, cachedInputTokens: 0, reasoningTokens: 0 },
      },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  test('parallel tool calls stay apart, after the text', async () => {
    const events = await run('parallel-tool-calls');
    assert.deepEqual(events.slice(0, -2), [
      { type: 'text-delta', delta: 'Checking both.' },
      { type: 'tool-call-start', callId: 'call_A', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_A', delta: '{"city":"Paris"}' },
      { type: 'tool-call-start', callId: 'call_B', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'call_B', delta: '{"city":' },
      { type: 'tool-call-delta', callId: 'call_B', delta: '"Oslo"}' },
      { type: 'tool-call-end', callId: 'call_A' },
      { type: 'tool-call-end', callId: 'call_B' },
    ]);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool-calls' });
  });

  test('a second call under an id the turn used already gets a fresh id', async () => {
    const recorded = fixture('parallel-tool-calls');
    answerWith({
      ...recorded,
      chunks: recorded.chunks!.map((chunk) => chunk.replaceAll('call_B', 'call_A')),
    });
    const events = await collect(provider().generate(makeTurn(), new AbortController().signal));
    const starts = events.filter((event) => event.type === 'tool-call-start').map((event) => event.callId);
    assert.equal(starts[0], 'call_A');
    assert.notEqual(starts[1], 'call_A');
    const args = (callId: string) =>
      events.flatMap((event) =>
        event.type === 'tool-call-delta' && event.callId === callId ? [event.delta] : [],
      );
    assert.deepEqual(
      [args(starts[0]!).join(''), args(starts[1]!).join('')],
      ['{"city":"Paris"}', '{"city":"Oslo"}'],
    );
  });

  test('reasoning_content streams as reasoning before the answer', async () => {
    assert.deepEqual(await run('reasoning-content'), [
      { type: 'reasoning-delta', delta: 'The user wants 6*7.', part: 'content' },
      { type: 'reasoning-delta', delta: ' That is 42.', part: 'content' },
      { type: 'text-delta', delta: '42' },
      {
        type: 'usage',
        usage: { inputTokens: 12, outputTokens: 30, cachedInputTokens: 0, reasoningTokens: 26 },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('a `reasoning` field streams as reasoning too (Ollama, OpenRouter)', async () => {
    for (const preset of ['ollama', undefined]) {
      assert.deepEqual(await run('reasoning-field', makeTurn(), preset), [
        { type: 'reasoning-delta', delta: 'Short thought.', part: 'content' },
        { type: 'text-delta', delta: 'Done.' },
        { type: 'usage', usage: { inputTokens: 9, outputTokens: 7 } },
        { type: 'finish', reason: 'stop' },
      ]);
    }
  });

  test('structured output streams as text', async () => {
    const events = await run('structured-output');
    const text = events.flatMap((e) => (e.type === 'text-delta' ? [e.delta] : [])).join('');
    assert.deepEqual(JSON.parse(text), { name: 'Ada', born: 1815 });
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
  });

  test('a custom tool call comes back as its raw input', async () => {
    const turn = makeTurn({ tools: [{ type: 'custom', name: 'run_sql' }] });
    assert.deepEqual(await run('custom-tool-call', turn), [
      { type: 'tool-call-start', callId: 'call_C1', name: 'run_sql', kind: 'custom' },
      { type: 'tool-call-delta', callId: 'call_C1', delta: 'SELECT "name" FROM t;\n' },
      { type: 'tool-call-end', callId: 'call_C1' },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  test("vLLM's stop_reason names the stop string that ended the answer, streamed or whole", async () => {
    const chunk = (choice: object) => `data: ${JSON.stringify({ choices: [{ index: 0, ...choice }] })}\n\n`;
    answerWith({
      provenance:
        "Written for this test: vLLM's chunks, whose last choice has stop_reason beside finish_reason.",
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      chunks: [
        chunk({ delta: { content: 'One, two' } }),
        chunk({ delta: {}, finish_reason: 'stop', stop_reason: ', three' }),
        'data: [DONE]\n\n',
      ],
    });
    const streamed = await collect(provider().generate(makeTurn(), new AbortController().signal));
    assert.deepEqual(streamed.at(-1), { type: 'finish', reason: 'stop', stopSequence: ', three' });
    answerWith({
      provenance: "Written for this test: vLLM's whole answer, a stop token's id as its stop_reason.",
      status: 200,
      headers: { 'content-type': 'application/json' },
      chunks: [
        JSON.stringify({
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'One' },
              finish_reason: 'stop',
              stop_reason: 2,
            },
          ],
        }),
      ],
    });
    const whole = await collect(
      provider().generate(makeTurn({ stream: false }), new AbortController().signal),
    );
    assert.deepEqual(whole.at(-1), { type: 'finish', reason: 'stop' });
  });

  test('refusals and length limits keep their meaning', async () => {
    assert.deepEqual(await run('refusal'), [
      { type: 'refusal-delta', delta: "I can't help with that." },
      { type: 'finish', reason: 'content-filter' },
    ]);
    assert.deepEqual((await run('length')).at(-1), { type: 'finish', reason: 'length' });
  });
});

describe('chat-completions: faults', () => {
  test('400 keeps its status, message and parameter', async () => {
    const error = await rejection(run('error-400'));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.param, 'messages[1].content');
    assert.match(error.message, /expected a string/);
  });

  test('429 keeps the retry hint', async () => {
    const error = await rejection(run('error-429'));
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 7);
    assert.equal(error.retryable, true);
  });

  test('500 becomes a retryable 502', async () => {
    const error = await rejection(run('error-500'));
    assert.equal(error.status, 502);
    assert.equal(error.retryable, true);
  });

  test('an echoed key never reaches the error', async () => {
    const error = await rejection(run('error-401-echo'));
    assert.equal(error.message.includes(SECRET), false);
    assert.match(error.message, /\[redacted\]/);
  });

  test('a connection reset mid-stream ends with an error finish', async () => {
    const events = await run('cut-midway');
    assert.deepEqual(events.slice(0, 2), [
      { type: 'text-delta', delta: 'The first' },
      { type: 'text-delta', delta: ' half' },
    ]);
    assert.equal(finishError(events).code, 'upstream_unavailable');
  });

  test('malformed JSON mid-stream ends with an error finish; before any event it throws', async () => {
    const events = await run('malformed-json');
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Fine so far' });
    assert.equal(events.length, 2);
    assert.equal(finishError(events).code, 'upstream_invalid_response');

    const error = await rejection(run('malformed-first'));
    assert.equal(error.code, 'upstream_invalid_response');
  });

  test('a stream that ends without a finish reason is an error', async () => {
    const events = await run('ends-without-finish');
    assert.equal(finishError(events).code, 'upstream_incomplete_stream');
  });

  test('a server that holds the stream open after its usage chunk still finishes', async () => {
    assert.deepEqual(await run('finish-then-stall'), [
      { type: 'text-delta', delta: 'Done' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 1, cachedInputTokens: 0, reasoningTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('an error reported inside the stream ends it with that error', async () => {
    const error = finishError(await run('mid-stream-error'));
    assert.match(error.message, /Provider disconnected/);
    assert.equal(error.status, 502);
  });

  test('no first byte within the timeout is a 504', async () => {
    answerWith(fixture('hang'));
    const error = await rejection(
      collect(provider(undefined, 100).generate(makeTurn(), new AbortController().signal)),
    );
    assert.equal(error.status, 504);
    assert.equal(error.code, 'upstream_timeout');
  });

  test('a stream that stalls after its first events times out instead of hanging', async () => {
    answerWith(fixture('stall-midway'));
    const events = await collect(provider(undefined, 200).generate(makeTurn(), new AbortController().signal));
    assert.equal(events[0]?.type, 'text-delta');
    assert.equal(finishError(events).code, 'upstream_timeout');
  });

  test('an unreachable upstream is a 502', async () => {
    const closed = await startReplayServer(() => fixture('text'));
    await closed.close();
    const unreachable = new ChatCompletionsProvider({
      id: 'vllm',
      baseUrl: closed.url,
      apiKey: SECRET,
      headers: {},
      timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000 },
      post: undiciPost,
    });
    const error = await rejection(collect(unreachable.generate(makeTurn(), new AbortController().signal)));
    assert.equal(error.status, 502);
    assert.equal(error.code, 'upstream_unavailable');
  });

  test("the caller's abort stops a stalled stream with the abort reason", async () => {
    answerWith(fixture('stall-midway'));
    const controller = new AbortController();
    const events: ModelEvent[] = [];
    const reason = new Error('client left');
    await assert.rejects(
      (async () => {
        for await (const event of provider(undefined, 60_000).generate(makeTurn(), controller.signal)) {
          events.push(event);
          controller.abort(reason);
        }
      })(),
      (error) => error === reason,
    );
    assert.equal(events.length, 1);
  });
});

describe('chat-completions: through the engine', () => {
  test('every recorded stream reaches a client as a valid Responses stream or a clean HTTP error', async () => {
    const seen = await checkFixturesThroughEngine({
      dir: 'chat-completions',
      upstream: provider(undefined, 300),
      served: model,
      serve: (recorded) => answerWith(recorded),
    });
    assert.deepEqual(seen, [
      'answer-length.json: incomplete',
      'answer-text.json: completed',
      'answer-tool-call.json: completed',
      'custom-tool-call.json: completed',
      'cut-midway.json: failed',
      'ends-without-finish.json: failed',
      'error-400.json: 400',
      'error-401-echo.json: 502',
      'error-429.json: 429',
      'error-500.json: 502',
      'finish-then-stall.json: completed',
      'hang.json: 504',
      'length.json: incomplete',
      'malformed-first.json: 502',
      'malformed-json.json: failed',
      'mid-stream-error.json: failed',
      'parallel-tool-calls.json: completed',
      'reasoning-content.json: completed',
      'reasoning-field.json: completed',
      'refusal.json: incomplete',
      'stall-midway.json: failed',
      'structured-output.json: completed',
      'text.json: completed',
      'tool-call.json: completed',
    ]);
  });
});
