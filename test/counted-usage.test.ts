import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import type OpenAI from 'openai';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { readEventStream } from './support/portico.ts';
import { loadFixture, startReplayServer, type Fixture, type ReplayServer } from './support/replay-server.ts';

// Upstreams that stop before they report usage: Portico counts what was used.
const fixture = (path: string) => loadFixture(new URL(`./fixtures/${path}`, import.meta.url));
const CHAT_TEXT = fixture('chat-completions/text.json');
const CHAT_STALL = fixture('chat-completions/stall-midway.json');
const CHAT_CUT = fixture('chat-completions/cut-midway.json');
/** OpenAI's recorded text answer, stalled after its three text deltas: "Hello! How can I help you today?" */
const OPENAI_STALL: Fixture = (() => {
  const { body, ...recorded } = fixture('openai/text.json');
  const events = body!.split(/(?<=\n\n)/);
  const deltas = events.filter((event) => event.startsWith('event: response.output_text.delta'));
  const streamed = events.slice(0, events.indexOf(deltas.at(-1)!) + 1);
  return { ...recorded, chunks: [...streamed, ''], hangAfterChunks: streamed.length };
})();
const OPENAI_STREAMED = 'Hello! How can I help you today?';
const PRICE = { input: 2, output: 8 };
const usage = (input: number, output: number, cached = 0) => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: input + output,
});

describe('usage counted by Portico when the provider never reported it', () => {
  let upstream: ReplayServer;
  let gateway: GatewayUnderTest;
  let client: OpenAI;
  const answers = new Map<string, Fixture>();

  before(async () => {
    upstream = await startReplayServer((request) => {
      const body = request.json as { input?: unknown; messages?: unknown };
      const said = JSON.stringify(body?.input ?? body?.messages ?? '');
      const key = [...answers.keys()].find((word) => said.includes(word));
      return key ? answers.get(key)! : CHAT_TEXT;
    });
    gateway = await startGateway({
      config: {
        providers: {
          chat: { type: 'chat-completions', base_url: `${upstream.url}/v1` },
          oai: { type: 'openai', base_url: `${upstream.url}/v1` },
        },
        models: [
          { id: 'chat/model', provider: 'chat', context_window: 8000, pricing: PRICE },
          { id: 'oai/gpt', provider: 'oai', upstream_model: 'gpt-5.4', context_window: 8000, pricing: PRICE },
        ],
      },
    });
    client = gateway.client();
    answers.set('stall-openai', OPENAI_STALL);
    answers.set('stall-chat', CHAT_STALL);
    answers.set('cut-chat', CHAT_CUT);
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
  });

  const inputTokens = async (model: string, input: string) =>
    (await gateway.request('POST', '/v1/responses/input_tokens', { model, input })).json
      .input_tokens as number;
  const cost = (tokensIn: number, tokensOut: number) =>
    (tokensIn * PRICE.input) / 1e6 + (tokensOut * PRICE.output) / 1e6;
  const logOf = async (id: string) => {
    for (;;) {
      const log = (await gateway.logs()).find((entry) => entry.responseId === id);
      if (log) return log;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  async function settled(id: string) {
    for (;;) {
      const stored = await client.responses.retrieve(id);
      if (stored.status !== 'in_progress' && stored.status !== 'queued') return stored;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  /** Streams `input` to `model` until `deltas` text deltas came, then disconnects; the response's id. */
  async function disconnectAfter(model: string, input: string, deltas: number): Promise<string> {
    const abort = new AbortController();
    const answer = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, input, stream: true }),
      signal: abort.signal,
    });
    const reader = answer.body!.getReader();
    let text = '';
    while (text.split('event: response.output_text.delta').length <= deltas)
      text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    return /"id":"(resp_[^"]+)"/.exec(text)![1]!;
  }

  test('a client that disconnects from a stalled OpenAI stream: its input and streamed output, in o200k tokens', async () => {
    const input = 'stall-openai: say hello';
    const id = await disconnectAfter('oai/gpt', input, 3);
    const stored = await settled(id);
    assertMatchesSchema('Response', stored);
    assert.equal(stored.status, 'cancelled');
    assert.equal(stored.output_text, OPENAI_STREAMED);
    const tokensIn = await inputTokens('oai/gpt', input);
    const tokensOut = encode(OPENAI_STREAMED).length;
    assert.ok(tokensIn > 0);
    assert.deepEqual(stored.usage, usage(tokensIn, tokensOut));
    const log = await logOf(id);
    assert.equal(log.statusCode, 499);
    assert.equal(log.status, 'cancelled');
    assert.deepEqual([log.tokensIn, log.tokensOut, log.tokensCounted], [tokensIn, tokensOut, true]);
    assert.equal(log.cost, cost(tokensIn, tokensOut));
    const listed = (await gateway.request('GET', `/v1/logs/${log.id as string}`)).json;
    assert.equal(listed.tokens_counted, true);
  });

  test('a background run cancelled mid-stream: the record, its terminal event and the log carry the count', async () => {
    const input = 'stall-chat: go on';
    const queued = await client.responses.create({ model: 'chat/model', input, background: true });
    // Followed until its text began, then cancelled (the follower leaving stops nothing).
    const follow = new AbortController();
    const followed = await fetch(`${gateway.url}/v1/responses/${queued.id}?stream=true`, {
      signal: follow.signal,
    });
    const reader = followed.body!.getReader();
    let text = '';
    while (!text.includes('response.output_text.delta'))
      text += new TextDecoder().decode((await reader.read()).value);
    follow.abort();
    const cancelled = await client.responses.cancel(queued.id);
    const stored = await settled(queued.id);
    assert.equal(stored.status, 'cancelled');
    // Portico's estimate for an OpenAI-compatible server: a token per four characters.
    const tokensIn = await inputTokens('chat/model', input);
    const tokensOut = Math.ceil(stored.output_text.length / 4);
    assert.ok(tokensIn > 0 && tokensOut > 0);
    assert.deepEqual(
      [stored.usage!.input_tokens, stored.usage!.output_tokens],
      [tokensIn, tokensOut],
      'the stored record',
    );
    assert.deepEqual(stored.usage, (await settled(cancelled.id)).usage);
    const answer = await fetch(`${gateway.url}/v1/responses/${queued.id}?stream=true`);
    const terminal = (await readEventStream(answer.body!)).at(-1)!;
    assert.equal(terminal.type, 'response.incomplete');
    assert.deepEqual(
      (terminal.response as OpenAI.Responses.Response).usage,
      stored.usage,
      'the terminal event',
    );
    const log = await logOf(queued.id);
    assert.deepEqual([log.tokensIn, log.tokensOut, log.tokensCounted], [tokensIn, tokensOut, true]);
    assert.equal(log.cost, cost(tokensIn, tokensOut));
  });

  test('an upstream that fails mid-stream: response.failed carries what was generated before', async () => {
    const input = 'cut-chat: speak';
    const answer = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat/model', input, stream: true }),
    });
    const events = await readEventStream(answer.body!);
    const failed = events.at(-1)!.response as OpenAI.Responses.Response;
    assert.equal(events.at(-1)!.type, 'response.failed');
    assert.ok(failed.output_text.length > 0, 'some text came before the cut');
    assert.equal(failed.usage!.input_tokens, await inputTokens('chat/model', input));
    assert.equal(failed.usage!.output_tokens, Math.ceil(failed.output_text.length / 4));
    const log = await logOf(failed.id);
    assert.ok((log.cost as number) > 0);
  });

  test('a response whose provider reported usage keeps the provider\u2019s numbers exactly', async () => {
    const done = await client.responses.create({ model: 'chat/model', input: 'hello' });
    assert.equal(done.status, 'completed');
    // test/fixtures/chat-completions/text.json's usage chunk.
    assert.deepEqual(done.usage, usage(21, 4, 16));
    const log = await logOf(done.id);
    assert.deepEqual([log.tokensIn, log.tokensCached, log.tokensOut], [21, 16, 4]);
    assert.equal(log.tokensCounted, undefined);
    const listed = (await gateway.request('GET', `/v1/logs/${log.id as string}`)).json;
    assert.equal(listed.tokens_counted, false);
  });
});
