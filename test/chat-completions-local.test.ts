import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

import { COMPLETION_KEYS, postJson, readChatStream, type Chunk } from './support/chat-completions.ts';

// ---------------------------------------------------------------------------------------------
// The real server with the real local model.

describe('POST /v1/chat/completions on a local model', () => {
  let portico: TestPortico;
  let client: OpenAI;
  const messages = [{ role: 'user' as const, content: 'Once upon a time' }];

  before(async () => {
    portico = await startPortico();
    client = portico.client;
  });
  after(() => portico.stop());

  test('a text answer in the chat.completion shape', async () => {
    const completion = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 40,
      n: 1,
    });
    assert.deepEqual(Object.keys(completion).sort(), COMPLETION_KEYS);
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, TINY_MODEL);
    assert.ok(Math.abs(completion.created - Date.now() / 1000) < 120);
    assert.equal(completion.choices.length, 1);
    const choice = completion.choices[0]!;
    assert.equal(choice.index, 0);
    assert.equal(choice.logprobs, null);
    assert.ok(choice.finish_reason === 'stop' || choice.finish_reason === 'length');
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.refusal, null);
    assert.equal(choice.message.tool_calls, undefined);
    assert.ok(typeof choice.message.content === 'string' && choice.message.content.length > 0);
    const usage = completion.usage!;
    assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.deepEqual(usage.prompt_tokens_details, { cached_tokens: 0 });
    assert.deepEqual(usage.completion_tokens_details, { reasoning_tokens: 0 });
  });

  test('stop sequences end the answer of a local model where they appear, and are not included', async () => {
    const free = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 40,
      temperature: 0,
    });
    const text = free.choices[0]!.message.content!;
    const at = text.indexOf(' ', 8);
    assert.ok(at > 0, text);
    const stop = text.slice(at, at + 4);
    const stopped = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 40,
      temperature: 0,
      stop,
    });
    assert.equal(stopped.choices[0]!.message.content, text.slice(0, at));
    assert.equal(stopped.choices[0]!.finish_reason, 'stop');
  });

  test('n choices, each its own answer, with the usage of all', async () => {
    const completion = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 6,
      n: 3,
    });
    assert.deepEqual(
      completion.choices.map((choice) => choice.index),
      [0, 1, 2],
    );
    assert.ok(completion.choices.every((choice) => (choice.message.content ?? '').length > 0));
    assert.equal(completion.usage!.completion_tokens, 18);
    const stream = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 4,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
      frequency_penalty: 0.5,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const finished = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.finish_reason));
    assert.deepEqual(
      finished.map((choice) => [choice.index, choice.finish_reason]),
      [
        [0, 'length'],
        [1, 'length'],
      ],
    );
    assert.deepEqual(chunks.at(-1)!.choices, []);
    assert.equal(chunks.at(-1)!.usage!.completion_tokens, 8);
  });

  test('without a seed, n choices sampled in the same second are different answers', async () => {
    // node-llama-cpp seeds an unseeded sampler with the current second: every answer begun in
    // one second was the same, so n choices were n copies of one.
    const completion = await client.chat.completions.create({
      model: TINY_MODEL,
      messages,
      max_tokens: 24,
      temperature: 1,
      n: 6,
    });
    const answers = new Set(completion.choices.map((choice) => choice.message.content));
    assert.ok(answers.size >= 4, `only ${answers.size} different answers of 6`);
  });

  test('max_tokens ends with finish_reason length after exactly that many tokens', async () => {
    for (const limit of [{ max_tokens: 5 }, { max_completion_tokens: 7 }]) {
      // Greedy, so that the story cannot end before the limit by chance.
      const completion = await client.chat.completions.create({
        model: TINY_MODEL,
        messages,
        temperature: 0,
        ...limit,
      });
      assert.equal(completion.choices[0]!.finish_reason, 'length');
      assert.equal(completion.usage!.completion_tokens, Object.values(limit)[0]);
    }
  });

  test("what the model cannot take is refused in the client's own terms, message and param alike", async () => {
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const refused = await client.chat.completions
      .create({
        model: TINY_MODEL,
        messages: [
          { role: 'system', content: 'Tell stories.' },
          { role: 'user', content: [{ type: 'text', text: 'Look' }, image] },
        ],
        max_tokens: 3,
      })
      .catch((error: unknown) => error);
    assert.ok(refused instanceof OpenAI.BadRequestError);
    assert.equal(refused.param, 'messages[1].content[1]');
    assert.match(refused.message, /^400 messages\[1\]\.content\[1\]: The model .* does not take images/);
  });

  test('system and developer messages reach the model', async () => {
    const plain = await client.chat.completions.create({ model: TINY_MODEL, messages, max_tokens: 3 });
    const instructed = await client.chat.completions.create({
      model: TINY_MODEL,
      messages: [
        { role: 'system', content: 'You tell stories about dragons.' },
        { role: 'developer', content: 'Keep them short.' },
        ...messages,
      ],
      max_tokens: 3,
    });
    assert.ok(instructed.usage!.prompt_tokens > plain.usage!.prompt_tokens);
  });

  test('at temperature 0 the streamed content equals the non-streamed content', async () => {
    const request = { model: TINY_MODEL, messages, max_tokens: 30, temperature: 0 };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let streamed = '';
    let finish: string | null = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      streamed += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.ok(chunks > 3, 'the content arrives in several chunks');
    assert.equal(streamed, whole.choices[0]!.message.content);
    assert.equal(finish, whole.choices[0]!.finish_reason);

    const helper = client.chat.completions.stream(request);
    let deltas = '';
    helper.on('content.delta', ({ delta }) => (deltas += delta));
    const final = await helper.finalChatCompletion();
    assert.equal(final.choices[0]!.message.content, whole.choices[0]!.message.content);
    assert.equal(deltas, whole.choices[0]!.message.content);
    assert.equal(final.choices[0]!.finish_reason, whole.choices[0]!.finish_reason);
  });

  test('the raw stream: data-only lines, the role first, include_usage last, then [DONE]', async () => {
    const res = await postJson(portico.server.url, {
      model: TINY_MODEL,
      messages,
      max_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const { items, done } = await readChatStream(res.body!);
    assert.equal(done, true, 'the stream ends with data: [DONE]');
    const chunks = items as unknown as Chunk[];
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '', refusal: null });
    assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1, 'one id for the whole stream');
    const finishChunk = chunks.at(-2)!;
    assert.equal(finishChunk.choices[0]!.finish_reason, 'length');
    assert.deepEqual(finishChunk.choices[0]!.delta, {});
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage!.completion_tokens, 12);
    assert.equal(last.usage!.total_tokens, last.usage!.prompt_tokens + 12);
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
    assert.ok(chunks.slice(1, -2).every((chunk) => typeof chunk.choices[0]!.delta.content === 'string'));
  });

  describe('bad input is a 400 naming the parameter', () => {
    const user = [{ role: 'user', content: 'hi' }];
    const cases: Array<[string, unknown, string | null]> = [
      ['missing messages', { model: TINY_MODEL }, 'messages'],
      ['empty messages', { model: TINY_MODEL, messages: [] }, 'messages'],
      ['missing model', { messages: user }, 'model'],
      [
        'a tool message answering no call',
        { model: TINY_MODEL, messages: [...user, { role: 'tool', tool_call_id: 'call_x', content: '42' }] },
        'messages[1].tool_call_id',
      ],
      [
        'an unknown role',
        { model: TINY_MODEL, messages: [...user, { role: 'robot', content: 'x' }] },
        'messages[1].role',
      ],
      [
        'a bad content part',
        { model: TINY_MODEL, messages: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }] }] },
        'messages[0].content[0].type',
      ],
      [
        'an image without a url',
        { model: TINY_MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
        'messages[0].content[0].image_url.url',
      ],
      [
        'content of the wrong type',
        { model: TINY_MODEL, messages: [{ role: 'user', content: 42 }] },
        'messages[0].content',
      ],
      [
        'a tool message without tool_call_id',
        { model: TINY_MODEL, messages: [...user, { role: 'tool', content: 'x' }] },
        'messages[1].tool_call_id',
      ],
      [
        'an assistant message with neither content nor tool_calls',
        { model: TINY_MODEL, messages: [...user, { role: 'assistant', content: null }, ...user] },
        'messages[1].content',
      ],
      ['temperature 3', { model: TINY_MODEL, messages: user, temperature: 3 }, 'temperature'],
      ['top_p above 1', { model: TINY_MODEL, messages: user, top_p: 1.5 }, 'top_p'],
      ['max_tokens of 0', { model: TINY_MODEL, messages: user, max_tokens: 0 }, 'max_tokens'],
      ['n of 9', { model: TINY_MODEL, messages: user, n: 9 }, 'n'],
      ['five stop sequences', { model: TINY_MODEL, messages: user, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [
        'top_logprobs without logprobs',
        { model: TINY_MODEL, messages: user, top_logprobs: 2 },
        'top_logprobs',
      ],
      [
        'a penalty out of range',
        { model: TINY_MODEL, messages: user, presence_penalty: 2.5 },
        'presence_penalty',
      ],
      ['store: true', { model: TINY_MODEL, messages: user, store: true }, 'store'],
      [
        'stream_options without stream',
        { model: TINY_MODEL, messages: user, stream_options: { include_usage: true } },
        'stream_options',
      ],
      ['an unknown parameter', { model: TINY_MODEL, messages: user, temprature: 1 }, 'temprature'],
      [
        'an unknown message field',
        { model: TINY_MODEL, messages: [{ role: 'user', content: 'x', tool_call_id: 'c' }] },
        'messages[0].tool_call_id',
      ],
      [
        'a json_schema without a schema',
        {
          model: TINY_MODEL,
          messages: user,
          response_format: { type: 'json_schema', json_schema: { name: 'x' } },
        },
        'response_format.json_schema.schema',
      ],
      [
        'a tool with a bad name',
        { model: TINY_MODEL, messages: user, tools: [{ type: 'function', function: { name: 'has space' } }] },
        'tools[0].function.name',
      ],
      ['invalid JSON', '{"model": ', null],
      ['a JSON array body', '[]', null],
    ];
    for (const [name, body, param] of cases) {
      test(name, async () => {
        const res = await postJson(portico.server.url, body);
        assert.equal(res.status, 400);
        const json = (await res.json()) as { error: { param: string | null; type: string; message: string } };
        assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
        assert.equal(json.error.type, 'invalid_request_error');
        assert.equal(json.error.param, param, json.error.message);
        assert.ok(!/at .*\.ts:\d+/.test(json.error.message), 'no stack trace');
      });
    }

    test('an unknown model is a 404 model_not_found', async () => {
      await assert.rejects(
        client.chat.completions.create({ model: 'local/nope', messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) =>
          error instanceof OpenAI.NotFoundError &&
          error.code === 'model_not_found' &&
          error.param === 'model',
      );
    });
  });
});
