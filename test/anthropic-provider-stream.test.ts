import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeThinking } from '../src/providers/anthropic/thinking-signature.ts';
import { finishError, rejection } from './support/api-error-checks.ts';
import { checkFixturesThroughEngine } from './support/fixtures-through-engine.ts';
import { collect, userText } from './support/provider-turn.ts';
import {
  SECRET,
  answerWith,
  lastBody,
  makeTurn,
  model,
  provider,
  run,
  useAnthropicReplay,
} from './support/anthropic-replay.ts';

// What the Anthropic provider makes of the answers: stream translation, faults, and every recorded stream through the engine.
useAnthropicReplay();

/** One server-sent event of Anthropic's stream, for streams written for a test. */
const event = (data: object): string =>
  `event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`;

describe('anthropic: stream translation', () => {
  test('text, with cache reads and writes in the usage', async () => {
    assert.deepEqual(await run('text'), [
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: ', Ada!' },
      {
        type: 'usage',
        usage: {
          inputTokens: 12 + 2048 + 300,
          outputTokens: 6,
          cachedInputTokens: 2048,
          cacheWriteTokens: 300,
        },
      },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('tool_use streams as a tool call', async () => {
    const events = await run('tool-use');
    assert.deepEqual(events.slice(0, -2), [
      { type: 'text-delta', delta: 'Let me check.' },
      {
        type: 'tool-call-start',
        callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'get_weather',
        kind: 'function',
      },
      { type: 'tool-call-delta', callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', delta: '{"city":' },
      { type: 'tool-call-delta', callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', delta: ' "Paris"}' },
      { type: 'tool-call-end', callId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' },
    ]);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool-calls' });
  });

  test('parallel tool_use blocks are two calls', async () => {
    const events = await run('parallel-tool-use');
    const starts = events.filter((e) => e.type === 'tool-call-start').map((e) => e.callId);
    const ends = events.filter((e) => e.type === 'tool-call-end').map((e) => e.callId);
    assert.deepEqual(starts, ['toolu_A', 'toolu_B']);
    assert.deepEqual(ends, ['toolu_A', 'toolu_B']);
  });

  test('thinking streams as reasoning and keeps its signature for the next turn', async () => {
    const events = await run('thinking');
    assert.deepEqual(events.slice(0, 2), [
      { type: 'reasoning-delta', delta: '6 times 7', part: 'content' },
      { type: 'reasoning-delta', delta: ' is 42.', part: 'content' },
    ]);
    const encrypted = events.filter((e) => e.type === 'reasoning-encrypted').map((e) => e.encryptedContent);
    assert.equal(encrypted.length, 2);
    assert.deepEqual(decodeThinking(encrypted.at(-1)), [
      {
        type: 'thinking',
        thinking: '6 times 7 is 42.',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
      },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
    ]);
    assert.deepEqual(events.slice(4), [
      { type: 'text-delta', delta: '42' },
      {
        type: 'usage',
        usage: { inputTokens: 40, outputTokens: 120, cachedInputTokens: 0, cacheWriteTokens: 0 },
      },
      { type: 'finish', reason: 'stop' },
    ]);

    // The reasoning item the engine stores goes back upstream as the same blocks.
    await run(
      'text',
      makeTurn({
        reasoning: { effort: 'low' },
        items: [
          userText('6*7?'),
          { type: 'reasoning', id: 'rs', summary: [], encrypted_content: encrypted.at(-1)! },
          {
            type: 'message',
            id: 'm',
            role: 'assistant',
            content: [{ type: 'output_text', text: '42', annotations: [], logprobs: [] }],
          },
          userText('Thanks', 'msg_u2'),
        ],
      }),
    );
    const messages = lastBody().messages as Array<{ content: Array<{ type: string }> }>;
    assert.deepEqual(
      messages[1]!.content.map((b) => b.type),
      ['thinking', 'redacted_thinking', 'text'],
    );
  });

  test('structured output streams as text', async () => {
    const events = await run('structured-output');
    const text = events.flatMap((e) => (e.type === 'text-delta' ? [e.delta] : [])).join('');
    assert.deepEqual(JSON.parse(text), { name: 'Ada', born: 1815 });
  });

  test('a custom tool call comes back as its raw input', async () => {
    const events = await run('custom-tool-use', makeTurn({ tools: [{ type: 'custom', name: 'run_sql' }] }));
    assert.deepEqual(events.slice(0, 3), [
      { type: 'tool-call-start', callId: 'toolu_C', name: 'run_sql', kind: 'custom' },
      { type: 'tool-call-delta', callId: 'toolu_C', delta: 'SELECT 1;' },
      { type: 'tool-call-end', callId: 'toolu_C' },
    ]);
  });

  test('a tool input sent whole in content_block_start (compatible servers) is not lost', async () => {
    answerWith({
      provenance:
        'Written for this test: the documented event sequence with the tool input in content_block_start.',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      chunks: [
        event({ type: 'message_start', message: { usage: { input_tokens: 3, output_tokens: 1 } } }),
        event({
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 'toolu_W', name: 'get_weather', input: { city: 'Rome' } },
        }),
        event({ type: 'content_block_stop', index: 0 }),
        event({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
        event({ type: 'message_stop' }),
      ],
    });
    const events = await collect(provider().generate(makeTurn(), new AbortController().signal));
    assert.deepEqual(events.slice(0, 3), [
      { type: 'tool-call-start', callId: 'toolu_W', name: 'get_weather', kind: 'function' },
      { type: 'tool-call-delta', callId: 'toolu_W', delta: '{"city":"Rome"}' },
      { type: 'tool-call-end', callId: 'toolu_W' },
    ]);
  });

  test('a stop sequence that ended the message is named in the finish', async () => {
    answerWith({
      provenance: 'Written for this test: the documented event sequence of a message a stop sequence ended.',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      chunks: [
        event({ type: 'message_start', message: { usage: { input_tokens: 3, output_tokens: 1 } } }),
        event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'One, two' } }),
        event({ type: 'content_block_stop', index: 0 }),
        event({
          type: 'message_delta',
          delta: { stop_reason: 'stop_sequence', stop_sequence: ', three' },
          usage: { output_tokens: 4 },
        }),
        event({ type: 'message_stop' }),
      ],
    });
    const events = await collect(provider().generate(makeTurn(), new AbortController().signal));
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop', stopSequence: ', three' });
  });

  test('max_tokens and refusal stop reasons keep their meaning', async () => {
    assert.deepEqual((await run('max-tokens')).at(-1), { type: 'finish', reason: 'length' });
    assert.deepEqual((await run('refusal')).at(-1), { type: 'finish', reason: 'content-filter' });
  });
});

describe('anthropic: faults', () => {
  test('400 keeps its status and message', async () => {
    const error = await rejection(run('error-400'));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_request_error');
    assert.match(error.message, /roles must alternate/);
  });

  test('429 keeps the retry hint', async () => {
    const error = await rejection(run('error-429'));
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 12);
  });

  test('500 and 529 (overloaded) become retryable 502s', async () => {
    for (const name of ['error-500', 'error-529']) {
      const error = await rejection(run(name));
      assert.equal(error.status, 502, name);
      assert.equal(error.retryable, true, name);
    }
  });

  test('an error event after the 200 ends the stream with that error', async () => {
    const events = await run('stream-error');
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Part' });
    const error = finishError(events);
    assert.match(error.message, /Overloaded/);
    assert.equal(error.retryable, true);
  });

  test('a connection reset mid-stream ends with an error finish', async () => {
    const events = await run('cut-midway');
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'The first half' });
    assert.equal(finishError(events).code, 'upstream_unavailable');
  });

  test('malformed JSON mid-stream ends with an error finish', async () => {
    const events = await run('malformed-json');
    assert.equal(events.length, 2);
    assert.equal(finishError(events).code, 'upstream_invalid_response');
  });

  test('a stream that ends before message_stop is an error', async () => {
    assert.equal(finishError(await run('ends-without-stop')).code, 'upstream_incomplete_stream');
  });

  test('no first byte within the timeout is a 504', async () => {
    answerWith({
      provenance: 'An upstream that accepts the request and never answers.',
      status: 200,
      hang: true,
    });
    const error = await rejection(collect(provider(100).generate(makeTurn(), new AbortController().signal)));
    assert.equal(error.code, 'upstream_timeout');
    assert.equal(error.message.includes(SECRET), false);
  });
});

describe('anthropic: through the engine', () => {
  test('every recorded stream reaches a client as a valid Responses stream or a clean HTTP error', async () => {
    const seen = await checkFixturesThroughEngine({
      dir: 'anthropic',
      upstream: provider(300),
      served: model,
      serve: (recorded) => answerWith(recorded),
    });
    assert.deepEqual(seen, [
      'answer-max-tokens.json: incomplete',
      'answer-text.json: completed',
      'answer-thinking.json: completed',
      'answer-tool-use.json: completed',
      'custom-tool-use.json: completed',
      'cut-midway.json: failed',
      'ends-without-stop.json: failed',
      'error-400.json: 400',
      'error-429.json: 429',
      'error-500.json: 502',
      'error-529.json: 502',
      'malformed-json.json: failed',
      'max-tokens.json: incomplete',
      'parallel-tool-use.json: completed',
      'refusal.json: incomplete',
      'stream-error.json: failed',
      'structured-output.json: completed',
      'text.json: completed',
      'thinking.json: completed',
      'tool-use.json: completed',
    ]);
  });
});
