import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import { createAI, type AI } from '../src/index.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { readEventStream } from './support/portico.ts';
import { ApiError } from '../src/api/errors.ts';
import type { Provider } from '../src/providers/provider.ts';
import { scriptedModel, ScriptedProvider } from './support/scripted-provider.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const gptLike = {
  ...scriptedModel('openai/gpt-test', 'scripted'),
  ownedBy: 'OpenAI',
  description: 'a stand-in for an OpenAI model',
};

/** The `data:` payloads of a Workers AI native stream. */
async function runFrames(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(body).text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      assert.match(block, /^data: /);
      return block.slice(6);
    });
}

describe("Workers AI's REST surfaces", () => {
  let gateway: GatewayUnderTest;
  const base = `/client/v4/accounts/${ACCOUNT}`;

  before(async () => {
    gateway = await startGateway({
      models: [scriptedModel('test/echo', 'scripted'), gptLike, scriptedModel('test/breaks', 'breaking')],
      providers: new Map<string, Provider>([
        ['scripted', echoProvider('Workers AI says hello')],
        // Fails after its first words, as an upstream whose stream stops short.
        [
          'breaking',
          new ScriptedProvider(() => [
            { type: 'text-delta', delta: 'Half an ' },
            new ApiError({ status: 502, type: 'upstream_error', message: 'upstream stopped', code: null }),
          ]),
        ],
      ]),
    });
  });
  after(() => gateway.stop());

  test('ai/run of a generation that fails is that failure, not a success with what came before it', async () => {
    const answer = await gateway.request('POST', `${base}/ai/run/test/breaks`, { prompt: 'hi' });
    // The upstream's own status, not a 500: the response's error code alone says server_error.
    assert.equal(answer.status, 502);
    assert.equal(answer.json.success, false);
    assert.match(JSON.stringify(answer.json.errors), /upstream stopped/);
    const chat = await gateway.request('POST', '/v1/chat/completions', {
      model: 'test/breaks',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(chat.status, 502);
    assert.equal((chat.json.error as { type: string }).type, 'upstream_error');
  });

  test('ai/run with a prompt answers in the {result, success, errors, messages} envelope', async () => {
    const answer = await gateway.request('POST', `${base}/ai/run/test/echo`, {
      prompt: 'hi',
      max_tokens: 20,
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.json).sort(), ['errors', 'messages', 'result', 'success']);
    assert.equal(answer.json.success, true);
    const result = answer.json.result as { response: string; usage: Record<string, number> };
    assert.equal(result.response, 'Workers AI says hello');
    assert.equal(result.usage.prompt_tokens, 7);
  });

  test('ai/run with messages streams as Workers AI does: data lines, usage last, [DONE]', async () => {
    const response = await fetch(`${gateway.url}${base}/ai/run/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const frames = await runFrames(response.body!);
    assert.equal(frames.at(-1), '[DONE]');
    const chunks = frames
      .slice(0, -1)
      .map((frame) => JSON.parse(frame) as { response: string; usage?: unknown });
    assert.equal(chunks.map((chunk) => chunk.response).join(''), 'Workers AI says hello');
    assert.ok(chunks.at(-1)?.usage, 'usage rides on the last chunk');
  });

  test('ai/run with neither prompt, messages nor input is a 400 naming prompt, not an input it never took', async () => {
    for (const path of [`${base}/ai/run/test/echo`, `/v1/${ACCOUNT}/default/workers-ai/test/echo`]) {
      const answer = await gateway.request('POST', path, { max_tokens: 20 });
      assert.equal(answer.status, 400, path);
      const error =
        (answer.json.errors as Array<{ param: string; message: string }> | undefined)?.[0] ??
        (answer.json.error as { param: string; message: string });
      assert.equal(error.param, 'prompt', path);
      assert.match(error.message, /'prompt'.*'messages'/, path);
    }
  });

  test('ai/run with a Responses input answers the Response object in the envelope; errors come enveloped too', async () => {
    const answer = await gateway.request('POST', `${base}/ai/run/openai/gpt-test`, { input: 'hi' });
    assertMatchesSchema('Response', answer.json.result);
    const missing = await gateway.request('POST', `${base}/ai/run/test/nope`, { prompt: 'hi' });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.success, false);
    assert.equal((missing.json.errors as Array<{ code: number }>)[0]?.code, 404);
    const bad = await gateway.request('POST', `${base}/ai/run/test/echo`, { prompt: 'hi', max_tokens: -1 });
    assert.equal(bad.status, 400);
    assert.equal((bad.json.errors as Array<{ param: string }>)[0]?.param, 'max_tokens');
    const envelope = await gateway.request('POST', `${base}/ai/run`, {
      model: 'test/echo',
      input: { prompt: 'hi' },
    });
    assert.equal((envelope.json.result as { response: string }).response, 'Workers AI says hello');
    // What fails before any route (an unknown gateway, an unknown path) is enveloped as well;
    // the OpenAI-compatible paths keep OpenAI's shape.
    const unknownGateway = await gateway.request(
      'POST',
      `${base}/ai/run/test/echo`,
      { prompt: 'hi' },
      {
        'cf-aig-gateway-id': 'nope',
      },
    );
    const unknownPath = await gateway.request('GET', `${base}/ai/nothing-here`);
    for (const [answer, status] of [
      [unknownGateway, 404],
      [unknownPath, 404],
    ] as const) {
      assert.equal(answer.status, status);
      assert.equal(answer.json.success, false);
      assert.equal((answer.json.errors as Array<{ code: number }>)[0]?.code, status);
    }
    const openAiShaped = await gateway.request('POST', `${base}/ai/v1/responses`, {
      model: 'test/nope',
      input: 'hi',
    });
    assert.equal((openAiShaped.json.error as { code: string }).code, 'model_not_found');
  });

  test("ai/v1/responses and ai/v1/chat/completions speak OpenAI's formats for the OpenAI SDK", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}${base}/ai/v1`, apiKey: 'unused', maxRetries: 0 });
    const response = await client.responses.create({ model: 'openai/gpt-test', input: 'hi' });
    assert.equal(response.output_text, 'Workers AI says hello');
    const chat = await client.chat.completions.create({
      model: 'test/echo',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(chat.choices[0]?.message.content, 'Workers AI says hello');
  });

  test('models/search lists the catalog; models/schema answers JSON Schemas generated from the wire schemas', async () => {
    const search = await gateway.request('GET', `${base}/ai/models/search?search=stand-in`);
    const results = search.json.result as Array<{
      name: string;
      task: { name: string };
      properties: unknown[];
    }>;
    assert.deepEqual(
      results.map((r) => r.name),
      ['openai/gpt-test'],
    );
    assert.equal(results[0]?.task.name, 'Text Generation');
    const schema = await gateway.request('GET', `${base}/ai/models/schema?model=openai/gpt-test`);
    const { input, output } = schema.json.result as { input: object; output: object };
    const ajv = new Ajv2020.default({ strict: false });
    assert.equal(ajv.validate(input, { input: 'hello', temperature: 0.5 }), true);
    assert.equal(ajv.validate(input, { prompt: 'hello' }), true);
    assert.equal(ajv.validate(input, { input: 'hello', temperature: 'hot' }), false);
    const made = await gateway.request('POST', `${base}/ai/run/openai/gpt-test`, { input: 'hi' });
    assert.equal(ajv.validate(output, made.json.result), true, JSON.stringify(ajv.errors));
    const unknown = await gateway.request('GET', `${base}/ai/models/schema?model=test/none`);
    assert.equal(unknown.status, 404);
    // A model whose provider has no key yet: its schema can be read before configuring it.
    const unconfigured = await gateway.request('GET', `${base}/ai/models/schema?model=openai/gpt-5.4-pro`);
    assert.equal(unconfigured.status, 200);
    assert.deepEqual(unconfigured.json.result, schema.json.result);
  });

  test("AI Gateway's URL shapes: provider paths with the provider's own model names, compat, workers-ai", async () => {
    const openai = new OpenAI({
      baseURL: `${gateway.url}/v1/${ACCOUNT}/default/openai`,
      apiKey: 'unused',
      maxRetries: 0,
    });
    const response = await openai.responses.create({ model: 'gpt-test', input: 'hi' });
    assert.equal(response.model, 'openai/gpt-test');
    const chat = await openai.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(chat.choices[0]?.message.content, 'Workers AI says hello');
    const compat = new OpenAI({
      baseURL: `${gateway.url}/v1/${ACCOUNT}/default/compat`,
      apiKey: 'unused',
      maxRetries: 0,
    });
    const viaCompat = await compat.chat.completions.create({
      model: 'test/echo',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(viaCompat.choices[0]?.message.content, 'Workers AI says hello');
    const run = await gateway.request('POST', `/v1/${ACCOUNT}/default/workers-ai/test/echo`, {
      prompt: 'hi',
    });
    assert.equal((run.json.result as { response: string }).response, 'Workers AI says hello');
    const unknownGateway = await gateway.request('POST', `/v1/${ACCOUNT}/nowhere/openai/responses`, {
      model: 'gpt-test',
      input: 'x',
    });
    assert.equal(unknownGateway.status, 404);
    const logs = await gateway.logs();
    assert.ok(logs.some((log) => log.path === 'POST /v1/:account/:gateway/:provider/responses'));
  });
});

describe('the binding', () => {
  let ai: AI;
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'portico-binding-ai-'));
    ai = createAI({
      dataDir,
      modelsDirs: [],
      env: {},
      models: [scriptedModel('test/echo', 'scripted'), gptLike],
      providers: new Map([['scripted', echoProvider('bound')]]),
      baseUrl: 'http://127.0.0.1:9999',
      accountId: 'acct',
    });
  });
  after(async () => {
    await ai.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('takes the same inputs as ai/run: a prompt resolves to {response, usage}, a stream to its bytes', async () => {
    const result = (await ai.run('test/echo', { prompt: 'hi' })) as { response: string; usage: object };
    assert.equal(result.response, 'bound');
    const stream = await ai.run('test/echo', { messages: [{ role: 'user', content: 'hi' }], stream: true });
    assert.ok(stream instanceof ReadableStream);
    assert.equal((await runFrames(stream)).at(-1), '[DONE]');
    const response = await ai.run('openai/gpt-test', { input: 'hi', stream: true });
    assert.ok(response instanceof ReadableStream);
    checkResponseStream(await readEventStream(response));
  });

  test('GatewayOptions act as their headers do; a bad one is a 400 naming it', async () => {
    await ai.run('test/echo', { input: 'cache me' }, { gateway: { id: 'default', cacheTtl: 120 } });
    const raw = await ai.run(
      'test/echo',
      { input: 'cache me' },
      { gateway: { id: 'default', cacheTtl: 120 }, returnRawResponse: true },
    );
    assert.ok(raw instanceof Response);
    assert.equal(raw.headers.get('cf-aig-cache-status'), 'HIT');
    assert.equal(((await raw.json()) as { output_text: string }).output_text, 'bound');
    await assert.rejects(ai.run('test/echo', { input: 'x' }, { gateway: { id: 'default', cacheTtl: 5 } }), {
      status: 400,
      param: 'gateway.cacheTtl',
    });
    await assert.rejects(
      ai.run('test/echo', { input: 'x' }, { gateway: { id: 'default', retries: { maxAttempts: 9 as 5 } } }),
      {
        status: 400,
        param: 'gateway.retries.maxAttempts',
      },
    );
  });

  test('models() searches the catalog; gateway(id) has getUrl and run for universal requests', async () => {
    const models = await ai.models({ author: 'OpenAI' });
    assert.deepEqual(models.map((model) => model.name).sort(), ['openai/gpt-5.4-pro', 'openai/gpt-test']);
    assert.equal(await ai.gateway('default').getUrl(), 'http://127.0.0.1:9999/v1/acct/default/');
    assert.equal(
      await ai.gateway('default').getUrl('openai'),
      'http://127.0.0.1:9999/v1/acct/default/openai',
    );
    const answer = await ai.gateway('default').run([
      { provider: 'workers-ai', endpoint: 'test/nope', query: { prompt: 'hi' } },
      { provider: 'workers-ai', endpoint: 'test/echo', query: { prompt: 'hi' } },
    ]);
    assert.equal(answer.headers.get('cf-aig-step'), '1');
    assert.equal(
      ((await answer.json()) as { result: { response: string } }).result.response,
      'bound',
      'as Workers AI answers over REST',
    );
  });
});
