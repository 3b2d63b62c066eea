import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WARNINGS_HEADER } from '../src/api/warnings-header.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEventStream, startPortico, TINY_MODEL } from './support/portico.ts';
import { startReplayServer } from './support/replay-server.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import { checkResponseStream } from './support/stream-checks.ts';

/** Log probabilities where the provider has them: an OpenAI upstream's, through both APIs. */
const LOGPROBS = [
  {
    token: 'Hi',
    logprob: -0.1,
    bytes: [72, 105],
    top_logprobs: [
      { token: 'Hi', logprob: -0.1, bytes: [72, 105] },
      { token: 'Hey', logprob: -2.5, bytes: [72, 101, 121] },
    ],
  },
  { token: '!', logprob: -0.3, bytes: [33], top_logprobs: [{ token: '!', logprob: -0.3, bytes: [33] }] },
];

describe('log probabilities', () => {
  let setup: ScriptedPortico;
  before(async () => {
    setup = await startScriptedPortico(() => [{ type: 'message', text: 'Hi!', logprobs: LOGPROBS }]);
  });
  after(() => setup.stop());
  const url = () => setup.portico.server.url;

  test('Responses: include message.output_text.logprobs and top_logprobs go upstream, logprobs come back', async () => {
    const res = await fetch(`${url()}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: SCRIPTED_MODEL,
        input: 'Hi',
        include: ['message.output_text.logprobs'],
        top_logprobs: 2,
        stream: true,
      }),
    });
    const events = await readEventStream(res.body!);
    const final = checkResponseStream(events);
    const sent = setup.upstream.requests.at(-1)!.json as { include: string[]; top_logprobs: number };
    assert.ok(sent.include.includes('message.output_text.logprobs'));
    assert.equal(sent.top_logprobs, 2);
    const delta = events.find((event) => event.type === 'response.output_text.delta')!;
    assert.deepEqual(delta.logprobs, LOGPROBS);
    const part = (final.output as Array<{ content: Array<{ logprobs: unknown }> }>)[0]!.content[0]!;
    assert.deepEqual(part.logprobs, LOGPROBS);
    assert.equal(final.top_logprobs, 2);
  });

  test('Chat Completions: logprobs: true, streamed and not', async () => {
    const chat = (body: Record<string, unknown>) =>
      setup.portico.client.chat.completions.create({
        model: SCRIPTED_MODEL,
        messages: [{ role: 'user', content: 'Hi' }],
        logprobs: true,
        top_logprobs: 2,
        ...body,
      } as never) as Promise<unknown>;
    const completion = (await chat({})) as { choices: Array<{ logprobs: unknown }> };
    assert.deepEqual(completion.choices[0]!.logprobs, { content: LOGPROBS, refusal: null });
    const stream = (await chat({ stream: true })) as AsyncIterable<{
      choices: Array<{ delta: { content?: string }; logprobs: { content: unknown[] } | null }>;
    }>;
    const streamed: unknown[] = [];
    for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
    assert.deepEqual(streamed, LOGPROBS);
  });

  test('a model that has none answers without them, and says so', async () => {
    const res = await fetch(`${url()}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: TINY_MODEL,
        messages: [{ role: 'user', content: 'Once upon a time' }],
        max_tokens: 4,
        logprobs: true,
      }),
    });
    const body = (await res.json()) as { choices: Array<{ logprobs: unknown }> };
    assert.equal(res.status, 200);
    assert.deepEqual(body.choices[0]!.logprobs, { content: [], refusal: null });
    assert.match(
      res.headers.get(WARNINGS_HEADER) ?? '',
      /top_logprobs: ignored, A local model returns no log probabilities/,
    );
  });

  test('a chat-completions upstream is asked for them, and its logprobs.content comes back', async () => {
    const chunk = (delta: object, logprobs: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs, finish_reason: finish }] })}\n\n`;
    const upstream = await startReplayServer(() => ({
      provenance: "OpenAI's Chat Completions stream format, with logprobs.content as documented.",
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body:
        chunk({ role: 'assistant', content: 'Hi' }, { content: [LOGPROBS[0]] }) +
        chunk({ content: '!' }, { content: [LOGPROBS[1]] }) +
        chunk({}, null, 'stop') +
        'data: [DONE]\n\n',
    }));
    const dir = mkdtempSync(join(tmpdir(), 'portico-logprobs-'));
    writeFileSync(
      join(dir, 'portico.yaml'),
      `providers:\n  compat: { type: chat-completions, base_url: ${upstream.url}/v1 }\nmodels:\n  - { id: compat/m, provider: compat, context_window: 8192 }\n`,
    );
    const portico = await startPortico({ configPath: join(dir, 'portico.yaml') });
    try {
      // openai 6.30's types predate top_logprobs on responses.create; the API takes it.
      const response = await portico.client.responses.create({
        model: 'compat/m',
        input: 'Hi',
        include: ['message.output_text.logprobs'],
        top_logprobs: 2,
      } as never);
      const sent = upstream.requests.at(-1)!.json as { logprobs: boolean; top_logprobs: number };
      assert.deepEqual([sent.logprobs, sent.top_logprobs], [true, 2]);
      const message = response.output[0] as { content: Array<{ logprobs: unknown }> };
      assert.deepEqual(message.content[0]!.logprobs, LOGPROBS);
    } finally {
      await portico.stop();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
