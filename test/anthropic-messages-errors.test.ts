import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { badRequest } from '../src/api/errors.ts';
import { anthropicClient, postMessages, readMessageStream } from './support/anthropic-messages.ts';
import { ask, script, startScriptedGateway } from './support/anthropic-scripted.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { halfThenClosed, slowDown } from './support/scripted-provider.ts';

describe("POST /v1/messages: errors in Anthropic's shape", () => {
  let gateway: GatewayUnderTest;
  let client: Anthropic;

  before(async () => {
    ({ gateway, client } = await startScriptedGateway());
  });
  after(() => gateway.stop());

  test('bad input is a 400 in Anthropic shape naming the field, which the SDK raises as BadRequestError', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ model: 'test/scripted', messages: [{ role: 'user', content: 'hi' }] }, /max_tokens/],
      [
        { model: 'test/scripted', max_tokens: 5, messages: [{ role: 'tool', content: 'hi' }] },
        /messages\[0\]\.role/,
      ],
      [{ ...ask, metadatum: { a: 1 } }, /Unrecognized request argument supplied: metadatum/],
      [{ ...ask, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, /tools\[0\]\.type/],
      [
        {
          ...ask,
          messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'x', name: 'y', input: {} }] }],
        },
        /messages\[0\]\.content\[0\]\.type': a user message cannot hold a 'tool_use' block/,
      ],
    ];
    for (const [body, message] of cases) {
      await assert.rejects(
        client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming),
        (error: unknown) =>
          error instanceof Anthropic.BadRequestError &&
          (error.error as { type: string }).type === 'error' &&
          (error.error as { error: { type: string } }).error.type === 'invalid_request_error' &&
          message.test((error.error as { error: { message: string } }).error.message),
      );
    }
  });

  test("an engine error names the client's own block", async () => {
    script.next = () => [
      badRequest('input[2].content[1]', 'This model cannot see images.', 'unsupported_value'),
    ];
    const res = await postMessages(gateway.url, {
      ...ask,
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hm', signature: 's' },
            { type: 'text', text: 'Yes?' },
            { type: 'tool_use', id: 't', name: 'look', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't', content: 'x' },
            { type: 'text', text: 'Look:' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          ],
        },
      ],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'messages[1].content[1]: This model cannot see images.',
      },
    });
  });

  test('a failure before the answer is an HTTP error with its status and Anthropic type; after the stream began, an error event', async () => {
    script.next = () => [slowDown()];
    const res = await postMessages(gateway.url, ask);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.ok(res.headers.get('cf-aig-log-id'));
    assert.deepEqual(await res.json(), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Slow down.' },
    });

    script.next = halfThenClosed;
    const streamed = await postMessages(gateway.url, { ...ask, stream: true });
    assert.equal(streamed.status, 200);
    const { events } = await readMessageStream(streamed.body!);
    assert.deepEqual(events.at(-1), {
      type: 'error',
      error: { type: 'api_error', message: 'The upstream closed the connection.' },
    });
    assert.equal((events[2]!.delta as { text: string }).text, 'Half');
    await assert.rejects(
      client.messages.stream(ask).finalMessage(),
      (error: unknown) => error instanceof Anthropic.APIError && /upstream closed/.test(error.message),
    );

    await assert.rejects(
      client.messages.create({ ...ask, model: 'test/nope' }),
      (error: unknown) =>
        error instanceof Anthropic.NotFoundError &&
        (error.error as { error: { type: string } }).error.type === 'not_found_error',
    );
  });
});

describe('POST /v1/messages with keys', () => {
  let gateway: GatewayUnderTest;

  before(async () => {
    gateway = await startGateway();
  });
  after(() => gateway.stop());

  test("a Portico key in x-api-key, as Anthropic's SDK sends it, is the key, with its model scope; a bad one is a 401 in Anthropic's shape", async () => {
    const created = await gateway.request('POST', '/v1/keys', { name: 'claude', scopes: { admin: true } });
    const key = created.json.key as string;
    const message = await anthropicClient(gateway.url, key).messages.create({
      model: 'test/echo',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(message.content[0]?.type, 'text');
    const entry = (await gateway.logs()).at(-1)!;
    assert.equal(entry.path, 'POST /v1/messages');
    assert.ok(entry.keyId, 'the request ran under the key');

    await assert.rejects(
      anthropicClient(gateway.url, `${key.slice(0, -4)}xxxx`).messages.create({
        model: 'test/echo',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.AuthenticationError &&
        (error.error as { error: { type: string } }).error.type === 'authentication_error',
    );
    const scoped = await gateway.request(
      'POST',
      '/v1/keys',
      { name: 'echo only', scopes: { models: ['test/echo'] } },
      { 'x-api-key': key },
    );
    const echoOnly = anthropicClient(gateway.url, scoped.json.key as string);
    const other = { model: 'test/other', messages: [{ role: 'user' as const, content: 'hi' }] };
    for (const call of [
      echoOnly.messages.create({ ...other, max_tokens: 5 }),
      echoOnly.messages.countTokens(other),
    ])
      await assert.rejects(
        call,
        (error: unknown) =>
          error instanceof Anthropic.PermissionDeniedError &&
          (error.error as { error: { type: string } }).error.type === 'permission_error',
      );

    const keyless = await postMessages(gateway.url, {
      model: 'test/echo',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(keyless.status, 401);
    assert.equal(((await keyless.json()) as { error: { type: string } }).error.type, 'authentication_error');
  });
});
