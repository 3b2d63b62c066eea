import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createAI } from '../src/index.ts';
import { createRuntime } from '../src/runtime.ts';
import { DEFAULT_PROJECT } from '../src/store/owner.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { readEventStream, sharedModelsDir, TINY_MODEL } from './support/portico.ts';
import { echoProvider } from './support/gateway-server.ts';
import { scriptedModel } from './support/scripted-provider.ts';
import { checkResponseStream } from './support/stream-checks.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'portico-binding-'));
const ai = createAI({ dataDir, modelsDirs: [sharedModelsDir], env: {} });
after(async () => {
  await ai.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('createAI().run, the Workers-AI-style binding', () => {
  test('resolves to the response object', async () => {
    const response = await ai.run(
      TINY_MODEL,
      { input: 'Once upon a time', max_output_tokens: 12 },
      { gateway: { id: 'default' } },
    );
    assert.ok(!(response instanceof ReadableStream) && !(response instanceof Response));
    assertMatchesSchema('Response', response);
    assert.equal(response.object, 'response');
    assert.equal(typeof response.output_text, 'string');
    assert.ok((response.output_text as string).length > 0);
  });

  test('with stream: true resolves to a ReadableStream of the SSE bytes', async () => {
    const stream = await ai.run(
      TINY_MODEL,
      { input: 'Once upon a time', max_output_tokens: 12, stream: true },
      { gateway: { id: 'default' } },
    );
    assert.ok(stream instanceof ReadableStream);
    const response = checkResponseStream(await readEventStream(stream));
    assert.equal(response.status, 'incomplete');
  });

  test('background: true resolves queued at once; the run finishes on its own', async () => {
    const queued = (await ai.run(TINY_MODEL, {
      input: 'Once upon a time',
      max_output_tokens: 12,
      background: true,
    })) as {
      id: string;
      status: string;
    };
    assert.equal(queued.status, 'queued');
    const stream = await ai.run(TINY_MODEL, {
      input: 'Hi',
      max_output_tokens: 8,
      background: true,
      stream: true,
    });
    assert.ok(stream instanceof ReadableStream);
    const events = await readEventStream(stream);
    assert.deepEqual(
      events.slice(0, 3).map((event) => event.type),
      ['response.created', 'response.queued', 'response.in_progress'],
    );
    assert.equal(events.at(-1)!.type, 'response.incomplete');
  });

  test('bad input rejects with the OpenAI error naming the parameter', async () => {
    await assert.rejects(ai.run(TINY_MODEL, { input: 'hi', temperature: 9 }), {
      status: 400,
      param: 'temperature',
    });
    // An input part with no source is refused before the model sees it.
    await assert.rejects(
      ai.run(TINY_MODEL, { input: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.txt' }] }] }),
      { status: 400, param: 'input[0].content[0]', code: 'missing_required_parameter' },
    );
    const before = ai.aiGatewayLogId;
    await assert.rejects(ai.run('local/nope', { input: 'hi' }), { status: 404, code: 'model_not_found' });
    // A failed request has its log entry, and the binding names it.
    assert.ok(ai.aiGatewayLogId && ai.aiGatewayLogId !== before);
    assert.equal((await ai.gateway('default').getLog(ai.aiGatewayLogId)).status_code, 404);
  });

  test('a call JavaScript could make wrong rejects naming what is wrong, and runs nothing', async () => {
    const wrong: Array<[() => Promise<unknown>, string]> = [
      [() => ai.run(TINY_MODEL, 'hello' as never), 'inputs'],
      [() => ai.run(TINY_MODEL, null as never), 'inputs'],
      [() => ai.run(TINY_MODEL, { input: 'hi' }, 'x' as never), 'options'],
      [() => ai.run(TINY_MODEL, { input: 'hi' }, { signal: 'x' as never }), 'options.signal'],
      [() => ai.run(TINY_MODEL, { input: 'hi' }, { extraHeaders: 'x' as never }), 'options.extraHeaders'],
      [() => ai.gateway('default').getLog(null as never), 'logId'],
      [() => ai.models({ per_page: -1 }), 'per_page'],
      [() => ai.models({ page: 'x' as never }), 'page'],
    ];
    for (const [call, param] of wrong) await assert.rejects(call(), { status: 400, param });
    const logId = ai.aiGatewayLogId;
    await assert.rejects(
      ai.run(TINY_MODEL, { input: 'hi', max_output_tokens: 60 }, { signal: AbortSignal.abort() }),
      { name: 'AbortError' },
    );
    assert.equal(ai.aiGatewayLogId, logId, 'an aborted call reaches no gateway');
  });

  test('close() ends the streams still unread; a closed binding says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-binding-closed-'));
    const closed = createAI({ dataDir: dir, modelsDirs: [sharedModelsDir], env: {} });
    // A stream nobody reads does not hold the close (it held it for good).
    const unread = await closed.run(TINY_MODEL, {
      input: 'Once upon a time',
      stream: true,
      max_output_tokens: 200,
    });
    assert.ok(unread instanceof ReadableStream);
    await closed.close();
    await assert.rejects(closed.run(TINY_MODEL, { input: 'hi' }), /This binding was closed/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs a stored prompt the project keeps, with or without an input', async () => {
    const owner = await createRuntime({ dataDir, modelsDirs: [sharedModelsDir], env: {} });
    const prompt = await owner.prompts.create(
      { template: { instructions: 'Tell a story about {{animal}}.', max_output_tokens: 8 } },
      DEFAULT_PROJECT,
    );
    await owner.close();
    const response = await ai.run(TINY_MODEL, { prompt: { id: prompt.id, variables: { animal: 'a cat' } } });
    assert.ok(!(response instanceof ReadableStream) && !(response instanceof Response));
    assertMatchesSchema('Response', response);
    assert.deepEqual(response.instructions, [
      { type: 'message', role: 'developer', content: 'Tell a story about a cat.' },
    ]);
    assert.equal(response.max_output_tokens, 8);
    assert.deepEqual(response.prompt, { id: prompt.id, version: '1', variables: { animal: 'a cat' } });
  });

  test('models() lists the catalog', async () => {
    const ids = (await ai.models()).map((model) => model.id);
    assert.ok(ids.includes(TINY_MODEL));
    assert.ok(ids.includes('openai/gpt-5.4-pro'));
    const local = (await ai.models({ search: TINY_MODEL })).find((model) => model.id === TINY_MODEL)!;
    assert.deepEqual(local.tags, ['Local'], 'each tag once');
  });
});

describe("a binding's project", () => {
  test("reads and annotates that project's logs only, as its key would: another's is a 404", async () => {
    const shared = mkdtempSync(join(tmpdir(), 'portico-binding-projects-'));
    const binding = (project: string) =>
      createAI({
        dataDir: shared,
        modelsDirs: [],
        env: {},
        project,
        models: [scriptedModel('test/echo', 'scripted')],
        providers: new Map([['scripted', echoProvider()]]),
      });
    const alpha = binding('alpha');
    await alpha.run('test/echo', { input: 'a secret of alpha' });
    const logId = alpha.aiGatewayLogId!;
    await alpha.close();
    const beta = binding('beta');
    const notFound = { status: 404, code: 'log_not_found' };
    await assert.rejects(beta.gateway('default').getLog(logId), notFound);
    await assert.rejects(beta.gateway('default').getLog('log_never_made'), notFound);
    await assert.rejects(beta.gateway('default').patchLog(logId, { feedback: -1 }), notFound);
    await beta.close();
    const again = binding('alpha');
    const own = await again.gateway('default').getLog(logId);
    assert.deepEqual([own.project, own.feedback], ['alpha', null]);
    await again.close();
    rmSync(shared, { recursive: true, force: true });
  });
});
