import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import type { ModelEvent } from '../src/providers/provider.ts';
import {
  KEY,
  assertNoKey,
  finish,
  fixture,
  provider,
  run,
  answerWith,
  texts,
  thrown,
  turn,
  upstreamRequests,
  useOpenAiReplay,
} from './support/openai-replay.ts';

// The OpenAI provider's faults (each a clean ApiError, never the key) and its input token counts.
useOpenAiReplay();

describe('openai provider: faults', () => {
  test('response.failed after output ends with a finish error carrying the upstream reason', async () => {
    const { events } = await run(fixture('failed'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Let me think' });
    assert.deepEqual(events[1], {
      type: 'usage',
      usage: {
        inputTokens: 30,
        outputTokens: 4,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
    });
    const end = finish(events);
    assert.equal(end.reason, 'error');
    assert.ok(end.error instanceof ApiError);
    assert.equal(end.error.status, 502);
    assert.equal(end.error.code, 'server_error');
    assert.match(end.error.message, /openai upstream failed: The model produced invalid content/);
  });

  test('response.failed before any output is thrown, so the request can be retried', async () => {
    const blocks = fixture('failed').body!.split('\n\n');
    const body = blocks
      .filter(
        (b) =>
          !b.includes('output_item.added') && !b.includes('content_part') && !b.includes('output_text.delta'),
      )
      .join('\n\n');
    const error = await thrown({ ...fixture('failed'), body });
    assert.equal(error.code, 'server_error');
    assert.equal(error.retryable, true);
  });

  test('an error event mid-stream ends with a finish error (a rate limit stays a 429)', async () => {
    const { events } = await run(fixture('error-event'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Partial' });
    const end = finish(events);
    assert.equal(end.reason, 'error');
    assert.equal(end.error?.status, 429);
    assert.equal(end.error?.code, 'rate_limit_exceeded');
  });

  test('HTTP 400 keeps its status, parameter and message', async () => {
    const error = await thrown(fixture('http-400'));
    assert.equal(error.status, 400);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.param, 'input[1].content[0]');
    assert.equal(error.code, 'invalid_value');
    assert.match(error.message, /Invalid value: 'input_text'/);
  });

  test('HTTP 429 keeps the retry-after hint', async () => {
    const error = await thrown(fixture('http-429'));
    assert.equal(error.status, 429);
    assert.equal(error.type, 'rate_limit_error');
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.equal(error.retryAfter, 7);
    assert.equal(error.retryable, true);
  });

  test('HTTP 500 becomes a retryable 502', async () => {
    const error = await thrown(fixture('http-500'));
    assert.equal(error.status, 502);
    assert.equal(error.type, 'upstream_error');
    assert.equal(error.retryable, true);
  });

  test('HTTP 401 shows neither the key nor the masked key OpenAI echoes', async () => {
    const error = await thrown(fixture('http-401'));
    assert.equal(error.status, 502);
    assert.equal(error.code, 'upstream_authentication_failed');
    assert.match(error.message, /Incorrect API key provided: \[redacted\]/);
  });

  test('an upstream that echoes the key itself does not leak it', async () => {
    const body = JSON.stringify({
      error: { message: `bad key ${KEY} for project`, type: 'invalid_request_error' },
    });
    const error = await thrown({ ...fixture('http-400'), body });
    assert.match(error.message, /bad key \[redacted\] for project/);
    // Nor in the code or param, which are cut short too.
    const inNames = JSON.stringify({
      error: { message: 'x', type: 'invalid_request_error', code: KEY, param: `p${'a'.repeat(1000)} ${KEY}` },
    });
    const named = await thrown({ ...fixture('http-400'), body: inNames });
    assertNoKey(named);
    assert.equal(named.code, '[redacted]');
    assert.ok(named.param!.length <= 100, named.param!);
    // Nor in part: its first half, what follows `sk-`, or a configured header's value.
    const parts = JSON.stringify({
      error: {
        message: `starts ${KEY.slice(0, 18)}, ends ${KEY.slice(18)}; core ${KEY.slice(3, 30)}; project proj_portico`,
        type: 'invalid_request_error',
      },
    });
    const partial = await thrown({ ...fixture('http-400'), body: parts });
    assert.equal(
      partial.message.replace(/^.*?: /, ''),
      'starts [redacted], ends [redacted]; core [redacted]; project [redacted]',
      partial.message,
    );
  });

  test('a connection reset mid-stream ends with a clean finish error', async () => {
    const { events } = await run(fixture('cut-stream'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'The quick' });
    const end = finish(events);
    assert.equal(end.reason, 'error');
    assert.equal(end.error?.status, 502);
    assert.equal(end.error?.code, 'upstream_unavailable');
    assertNoKey(end.error!);
  });

  test('a stream that ends without a terminal event ends with a finish error', async () => {
    const chunks = fixture('cut-stream').chunks!.slice(0, 6);
    const { events } = await run({ ...fixture('text'), body: chunks.join('') });
    assert.equal(texts(events), 'The quick brown fox');
    assert.equal(finish(events).error?.code, 'upstream_incomplete_stream');
  });

  test('malformed JSON after output ends with a finish error', async () => {
    const { events } = await run(fixture('malformed-json'));
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'Fine so far' });
    const end = finish(events);
    assert.equal(end.error?.code, 'upstream_invalid_response');
    assert.equal(end.error?.status, 502);
  });

  test("the upstream response's lifecycle events, named so, are passed over unread", async () => {
    const served = fixture('text');
    const body = served.body!.replace(/(event: response\.created\ndata: ).*\n/, '$1{not json\n');
    assert.notEqual(body, served.body);
    assert.deepEqual((await run({ ...served, body })).events, (await run(served)).events);
  });

  test('malformed JSON before any output is thrown', async () => {
    const served = fixture('malformed-json');
    const error = await thrown({ ...served, chunks: served.chunks!.slice(-1) });
    assert.equal(error.code, 'upstream_invalid_response');
  });

  test('no answer within timeoutMs is a 504, not a hang', async () => {
    const error = await thrown(fixture('hang'), {
      timeouts: { connectMs: 300, firstByteMs: 300, idleMs: 300 },
    });
    assert.equal(error.status, 504);
    assert.equal(error.code, 'upstream_timeout');
  });

  test('a stream that stalls after its first delta ends with a timeout, not a hang', async () => {
    const { resetAfterChunks: _reset, ...stalled } = fixture('cut-stream');
    const { events } = await run({ ...stalled, hangAfterChunks: 5 }, turn(), {
      timeouts: { connectMs: 300, firstByteMs: 300, idleMs: 300 },
    });
    assert.deepEqual(events[0], { type: 'text-delta', delta: 'The quick' });
    const end = finish(events);
    assert.equal(end.error?.status, 504);
    assert.equal(end.error?.code, 'upstream_timeout');
  });

  test('a refused connection is a retryable 502', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const error = await thrown(fixture('text'), { baseUrl: `http://127.0.0.1:${port}/v1` });
    assert.equal(error.status, 502);
    assert.equal(error.code, 'upstream_unavailable');
  });

  test('aborting the caller signal stops the stream with the caller reason', async () => {
    const { resetAfterChunks: _reset, ...paced } = fixture('cut-stream');
    answerWith(() => ({ ...paced, chunkDelayMs: 50 }));
    const controller = new AbortController();
    const reason = new Error('client went away');
    const seen: ModelEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of provider().generate(turn(), controller.signal)) {
          seen.push(event);
          controller.abort(reason);
        }
      })(),
      (error) => error === reason,
    );
    assert.deepEqual(seen, [{ type: 'text-delta', delta: 'The quick' }]);
  });
});

describe('openai provider: input tokens', () => {
  test('countInputTokens counts with the o200k tokenizer, without an upstream call', async () => {
    const seen = upstreamRequests().length;
    const short = await provider().countInputTokens(turn({ instructions: 'Be brief.' }));
    // "Be brief." is 3 o200k tokens and "Hi" 1; each message's envelope 4, the reply's priming 3.
    assert.equal(short, 3 + 4 + 1 + 4 + 3);
    const long = await provider().countInputTokens(
      turn({
        instructions: 'Be brief.',
        items: [
          {
            type: 'message',
            id: 'm',
            role: 'user',
            content: [{ type: 'input_text', text: 'word '.repeat(1000) }],
          },
        ],
      }),
    );
    assert.ok(long > 1000 && long < 1100);
    assert.equal(upstreamRequests().length, seen);
  });
});
