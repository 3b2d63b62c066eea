import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toFile } from 'openai';
import { createAI } from '../src/index.ts';
import type { FileObject } from '../src/store/file-store.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { TINY_MODEL, startPortico, type TestPortico } from './support/portico.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import type { Script } from './support/scripted-upstream.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';
import { checkResponseStream } from './support/stream-checks.ts';

type Loose = Record<string, unknown>;

const CODE =
  'total = sum(int(row.split(",")[1]) for row in open("sales.csv").read().splitlines()[1:])\nopen("/mnt/data/total.txt", "w").write(str(total))\nprint("total", total)';

/** Runs CODE (or the code the user sends after `run:`), then answers with what it printed. */
const runThenReport: Script = ({ input }) => {
  const asked = input.findLastIndex((item) => item.type === 'message' && item.role === 'user');
  const output = input.slice(asked).find((item) => item.type === 'function_call_output');
  if (output)
    return [
      { type: 'message', text: `Done: ${String(output.output).split('\n')[0]} (see /mnt/data/total.txt)` },
    ];
  const ask = input[asked] as { content: Loose[] };
  const text = String(ask.content[0]!.text);
  const code = text.startsWith('run:') ? text.slice(4) : CODE;
  return [{ type: 'function_call', name: 'python', arguments: JSON.stringify({ code }) }];
};

const TOOLS_CONFIG = `tools:\n  run_for_openai: true\n  code_interpreter: { timeout_ms: 20000 }\n`;

let scripted: ScriptedPortico;
before(async () => {
  scripted = await startScriptedPortico(runThenReport, TOOLS_CONFIG);
});
after(() => scripted.stop());

describe('code_interpreter run by Portico', () => {
  test('runs Python on a container file, returns logs and the file it wrote, cited in the answer', async () => {
    const client = scripted.portico.client;
    const upload = await client.files.create({
      file: await toFile(Buffer.from('day,amount\nmon,3\ntue,4\n'), 'sales.csv'),
      purpose: 'user_data',
    });
    const response = (await client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'Add up the sales.',
      tools: [{ type: 'code_interpreter', container: { type: 'auto', file_ids: [upload.id] } }],
      include: ['code_interpreter_call.outputs'],
    })) as unknown as { status: string; output: Loose[]; output_text: string };
    assert.equal(response.status, 'completed');
    const [call, message] = response.output as [Loose, Loose];
    assertMatchesSchema('CodeInterpreterToolCall', call);
    assert.equal(call.status, 'completed');
    assert.equal(call.code, CODE);
    assert.deepEqual(call.outputs, [{ type: 'logs', logs: 'total 7\n' }]);
    assert.match(response.output_text, /^Done: total 7/);

    const annotation = ((message.content as Loose[])[0]!.annotations as Loose[])[0]!;
    assertMatchesSchema('ContainerFileCitationBody', annotation);
    assert.equal(annotation.container_id, call.container_id);
    assert.equal(annotation.filename, 'total.txt');
    assert.equal(
      response.output_text.slice(Number(annotation.start_index), Number(annotation.end_index)),
      '/mnt/data/total.txt',
    );
    // The file is the container's, through the Containers API.
    const containerId = String(call.container_id);
    const content = await client.containers.files.content.retrieve(String(annotation.file_id), {
      container_id: containerId,
    });
    assert.equal(await content.text(), '7');
    const files = await client.containers.files.list(containerId);
    assert.deepEqual(files.data.map((file) => [file.path, file.source]).sort(), [
      ['/mnt/data/sales.csv', 'user'],
      ['/mnt/data/total.txt', 'assistant'],
    ]);
  });

  test('a follow-up reuses the container and its Python state; the call is replayed to the model as code', async () => {
    const client = scripted.portico.client;
    const first = await client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'run:secret = 6 * 7',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
    });
    const second = (await client.responses.create({
      model: SCRIPTED_MODEL,
      previous_response_id: first.id,
      input: 'run:print(secret)',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
      include: ['code_interpreter_call.outputs'],
    })) as unknown as { output: Loose[] };
    const firstCall = first.output[0] as unknown as Loose;
    const secondCall = second.output[0]!;
    assert.equal(secondCall.container_id, firstCall.container_id);
    assert.deepEqual(secondCall.outputs, [{ type: 'logs', logs: '42\n' }]);
    const history = (scripted.upstream.requests.at(-2)!.json as { input: Loose[] }).input;
    assert.ok(!history.some((item) => item.type === 'code_interpreter_call'));
    assert.ok(history.some((item) => item.type === 'function_call' && item.name === 'python'));
  });

  test('a failing program is a failed call whose traceback the model reads', async () => {
    const response = (await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'run:1 / 0',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
    })) as unknown as { output: Loose[]; output_text: string };
    assert.equal(response.output[0]!.status, 'failed');
    const fed = (scripted.upstream.requests.at(-1)!.json as { input: Loose[] }).input;
    const output = fed.find((item) => item.type === 'function_call_output')!;
    assert.match(String(output.output), /ZeroDivisionError/);
    assert.doesNotMatch(String(output.output), /_pyodide/);
  });

  test('streaming: the code_interpreter_call events in order, each valid against the schema', async () => {
    const stream = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'run:print(1)',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
      stream: true,
    });
    const events: Loose[] = [];
    for await (const event of stream) events.push(event as unknown as Loose);
    checkResponseStream(events);
    assert.deepEqual(
      events.map((event) => String(event.type)).filter((type) => type.includes('code_interpreter')),
      [
        'response.code_interpreter_call.in_progress',
        'response.code_interpreter_call_code.delta',
        'response.code_interpreter_call_code.done',
        'response.code_interpreter_call.interpreting',
        'response.code_interpreter_call.completed',
      ],
    );
  });

  test('a client that leaves stops the loop: the response is cancelled and the model is not asked again', async () => {
    const asked = scripted.upstream.requests.length;
    const controller = new AbortController();
    const stream = await scripted.portico.client.responses.create(
      {
        model: SCRIPTED_MODEL,
        input: 'run:while True: pass',
        tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
        stream: true,
      },
      { signal: controller.signal },
    );
    let id = '';
    try {
      for await (const event of stream) {
        if (event.type === 'response.created') id = event.response.id;
        if (event.type === 'response.code_interpreter_call.interpreting') controller.abort();
      }
    } catch {
      // The SDK may report the abort, or end the stream quietly.
    }
    assert.ok(controller.signal.aborted, 'the call started before the client left');
    let status = 'in_progress';
    while (status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await scripted.portico.client.responses.retrieve(id)).status ?? '';
    }
    assert.equal(status, 'cancelled');
    assert.equal(scripted.upstream.requests.length, asked + 1, 'one model turn, none after the call');
  });

  test('an unknown container is a 400 naming it', async () => {
    await assert.rejects(
      scripted.portico.client.responses.create({
        model: SCRIPTED_MODEL,
        input: 'x',
        tools: [{ type: 'code_interpreter', container: 'cntr_missing' }],
      }),
      (error: { status: number; param: string }) =>
        error.status === 400 && error.param === 'tools[0].container',
    );
  });

  test("a file of the auto container that is unknown, or another project's, is a 400 before the model runs", async () => {
    const { portico, upstream } = scripted;
    const asked = upstream.requests.length;
    const theirs = {
      ...{ id: 'file_theirs', object: 'file', bytes: 6, created_at: 0, filename: 'theirs.txt' },
      ...{ purpose: 'user_data', status: 'processed', status_details: null },
    } satisfies FileObject;
    await portico.server.runtime.stores.files.create(theirs, Buffer.from('secret'), 'another-project');
    for (const fileId of ['file_missing', theirs.id])
      await assert.rejects(
        portico.client.responses.create({
          model: SCRIPTED_MODEL,
          input: 'x',
          tools: [{ type: 'code_interpreter', container: { type: 'auto', file_ids: [fileId] } }],
        }),
        (error: { status: number; param: string }) =>
          error.status === 400 && error.param === 'tools[0].container.file_ids[0]',
      );
    assert.equal(upstream.requests.length, asked, 'no model turn');
  });
});

describe('the Containers API', () => {
  test('create with files, list, retrieve, upload, read, delete; a deleted container is gone', async () => {
    const client = scripted.portico.client;
    const upload = await client.files.create({
      file: await toFile(Buffer.from('hello'), 'greeting.txt'),
      purpose: 'user_data',
    });
    const container = await client.containers.create({
      name: 'analysis',
      file_ids: [upload.id],
      expires_after: { anchor: 'last_active_at', minutes: 5 },
    });
    assert.equal(container.status, 'running');
    assert.deepEqual(container.expires_after, { anchor: 'last_active_at', minutes: 5 });
    assert.equal((await client.containers.retrieve(container.id)).name, 'analysis');
    assert.ok((await client.containers.list()).data.some((entry) => entry.id === container.id));

    const added = await client.containers.files.create(container.id, {
      file: await toFile(Buffer.from('a,b\n'), 'data.csv'),
    });
    assert.equal(added.path, '/mnt/data/data.csv');
    assert.equal(added.bytes, 4);
    // A form field beside the file is named, as /v1/files names it.
    await assert.rejects(
      client.containers.files.create(container.id, {
        file: await toFile(Buffer.from('x'), 'x.txt'),
        purpose: 'assistants',
      } as never),
      { status: 400, param: 'purpose', code: 'unknown_parameter' },
    );
    const copied = await client.containers.files.create(container.id, { file_id: upload.id });
    assert.equal(copied.path, '/mnt/data/greeting.txt');
    assert.equal(
      (await client.containers.files.retrieve(added.id, { container_id: container.id })).id,
      added.id,
    );
    const content = await client.containers.files.content.retrieve(copied.id, { container_id: container.id });
    assert.equal(await content.text(), 'hello');
    await client.containers.files.delete(added.id, { container_id: container.id });
    assert.deepEqual(
      (await client.containers.files.list(container.id)).data.map((file) => file.path),
      ['/mnt/data/greeting.txt'],
    );
    await client.containers.delete(container.id);
    await assert.rejects(
      client.containers.retrieve(container.id),
      (error: { status: number }) => error.status === 404,
    );
  });

  test('bad input is a 400 naming the parameter', async () => {
    await assert.rejects(
      scripted.portico.client.containers.create({ name: 'x', file_ids: ['file_missing'] }),
      (error: { status: number; param: string }) => error.status === 400 && error.param === 'file_ids[0]',
    );
    await assert.rejects(
      scripted.portico.client.containers.create({ name: '' }),
      (error: { status: number; param: string }) => error.status === 400 && error.param === 'name',
    );
  });
});

describe('code_interpreter on the local model and through the binding', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startPortico({ config: { tools: { code_interpreter: { timeout_ms: 20000 } } } });
  });
  after(() => portico.stop());

  test('a forced call with whatever the tiny model writes is run or refused, and the response ends', async () => {
    const response = await portico.client.responses.create({
      model: TINY_MODEL,
      input: 'Compute.',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
      tool_choice: { type: 'code_interpreter' } as never,
      max_output_tokens: 200,
      temperature: 0,
    });
    const call = response.output.find((item) => item.type === 'code_interpreter_call') as unknown as Loose;
    assert.ok(call, 'the forced call ran');
    assertMatchesSchema('CodeInterpreterToolCall', call);
    assert.ok(['completed', 'incomplete'].includes(String(response.status)));
  });

  test('the binding runs the same loop in-process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'portico-binding-tools-'));
    const ai = createAI({
      dataDir,
      env: {},
      config: {
        providers: { scripted: { type: 'openai', base_url: `${scripted.upstream.url}/v1` } },
        models: [{ id: SCRIPTED_MODEL, provider: 'scripted', context_window: 8192 }],
        tools: { run_for_openai: true },
      },
    });
    try {
      const response = (await ai.run(
        SCRIPTED_MODEL,
        { input: 'run:print(2 ** 10)', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] },
        { gateway: { id: 'default' } },
      )) as Loose;
      const output = response.output as Loose[];
      assert.equal(output[0]!.type, 'code_interpreter_call');
      assert.equal(response.output_text, 'Done: 1024 (see /mnt/data/total.txt)');
    } finally {
      await ai.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('code_interpreter on a chat-completions upstream', () => {
  let replay: ReplayServer;
  let portico: TestPortico;
  const dir = mkdtempSync(join(tmpdir(), 'portico-chat-tools-'));
  before(async () => {
    // A recorded tool loop: the call first, the answer once a tool message came back.
    replay = await startReplayServer((request) => {
      const messages = (request.json as { messages: Array<{ role: string }> }).messages;
      const name = messages.some((message) => message.role === 'tool')
        ? 'chat-python-answer'
        : 'chat-python-call';
      return loadFixture(new URL(`./fixtures/tools/${name}.json`, import.meta.url));
    });
    const config = join(dir, 'portico.yaml');
    writeFileSync(
      config,
      `providers:\n  chat: { type: chat-completions, base_url: "${replay.url}/v1" }\nmodels:\n  - { id: chat/qwen, provider: chat, upstream_model: Qwen/Qwen3-8B, context_window: 32768 }\n`,
    );
    portico = await startPortico({ configPath: config });
  });
  after(async () => {
    await portico.stop();
    await replay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Portico runs the code the upstream asked for and sends the output back as a tool message', async () => {
    const response = (await portico.client.responses.create({
      model: 'chat/qwen',
      input: 'What is the mean of 3, 4 and 8?',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
      include: ['code_interpreter_call.outputs'],
    })) as unknown as { output: Loose[]; output_text: string; usage: { input_tokens: number } };
    assert.deepEqual(
      response.output.map((item) => item.type),
      ['code_interpreter_call', 'message'],
    );
    assert.deepEqual(response.output[0]!.outputs, [{ type: 'logs', logs: '5\n' }]);
    assert.equal(response.output_text, 'The mean is 5.');
    assert.equal(response.usage.input_tokens, 225, 'usage is summed over both turns');
    const [first, second] = replay.requests.map((request) => request.json as Loose);
    assert.deepEqual(
      (first!.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name),
      ['python'],
    );
    const tool = (second!.messages as Loose[]).find((message) => message.role === 'tool')!;
    assert.equal(tool.tool_call_id, 'call_chatPython01');
    assert.equal(tool.content, '5\n');
  });
});
