import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMcpServer, type TestMcpServer } from './support/mcp-server.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import type { Script } from './support/scripted-upstream.ts';
import { checkResponseStream } from './support/stream-checks.ts';

type Loose = Record<string, unknown>;

/** Calls the function the user names (`call calc__add {"a":2,"b":3}`), then reports what it returned. */
const callWhatIsAsked: Script = ({ input }) => {
  const output = input.findLast((item) => item.type === 'function_call_output');
  if (output) return [{ type: 'message', text: `Result: ${String(output.output)}` }];
  const ask = input.findLast((item) => item.type === 'message' && item.role === 'user') as {
    content: Loose[];
  };
  const text = String(ask.content[0]!.text);
  const [, name, args] = /^call (\S+) (.*)$/.exec(text) ?? [];
  return [{ type: 'function_call', name: name!, arguments: args! }];
};

let mcp: TestMcpServer;
let scripted: ScriptedPortico;
before(async () => {
  mcp = await startMcpServer();
  scripted = await startScriptedPortico(
    callWhatIsAsked,
    `tools:\n  run_for_openai: true\n  allowed_networks: ['127.0.0.1/32']\n`,
  );
});
after(async () => {
  await scripted.stop();
  await mcp.close();
});

const calc = (extra: Loose = {}) => ({
  type: 'mcp' as const,
  server_label: 'calc',
  server_url: mcp.url,
  require_approval: 'never' as const,
  ...extra,
});

function create(body: Loose) {
  return scripted.portico.client.responses.create({
    model: SCRIPTED_MODEL,
    ...body,
  } as never) as unknown as Promise<
    Loose & { id: string; status: string; output: Loose[]; output_text: string }
  >;
}

describe('mcp run by Portico', () => {
  test('lists the tools, calls one, feeds its output back; items match the schema', async () => {
    const response = await create({
      input: 'call calc__add {"a":2,"b":3}',
      tools: [calc({ authorization: 'secret-token' })],
    });
    assert.equal(response.status, 'completed');
    assert.deepEqual(
      response.output.map((item) => item.type),
      ['mcp_list_tools', 'mcp_call', 'message'],
    );
    const [list, call] = response.output as [Loose, Loose];
    assertMatchesSchema('MCPListTools', list);
    assertMatchesSchema('MCPToolCall', call);
    assert.deepEqual(
      (list.tools as Loose[]).map((tool) => tool.name),
      ['add', 'shout', 'explode'],
    );
    assert.equal(call.server_label, 'calc');
    assert.equal(call.name, 'add');
    assert.equal(call.arguments, '{"a":2,"b":3}');
    assert.equal(call.output, '5');
    assert.equal(call.status, 'completed');
    assert.equal(response.output_text, 'Result: 5');
    assert.deepEqual(mcp.calls.at(-1), { name: 'add', args: { a: 2, b: 3 } });
    assert.equal(mcp.authorizations.at(-1), 'Bearer secret-token');
    // The credentials reach the server, never the response (nor its stored copy).
    const stored = await scripted.portico.client.responses.retrieve(String(response.id));
    assert.doesNotMatch(JSON.stringify([response.tools, stored.tools]), /secret-token/);
    const sent = scripted.upstream.requests.at(-2)!.json as { tools: Loose[] };
    assert.deepEqual(
      sent.tools.map((tool) => tool.name),
      ['calc__add', 'calc__shout', 'calc__explode'],
    );
  });

  test('allowed_tools limits what the model is offered', async () => {
    await create({ input: 'call calc__shout {"text":"hi"}', tools: [calc({ allowed_tools: ['shout'] })] });
    const sent = scripted.upstream.requests.at(-2)!.json as { tools: Loose[] };
    assert.deepEqual(
      sent.tools.map((tool) => tool.name),
      ['calc__shout'],
    );
  });

  test('a tool error is a failed mcp_call the model hears about', async () => {
    const response = await create({ input: 'call calc__explode {}', tools: [calc()] });
    const call = response.output[1]!;
    assert.equal(call.status, 'failed');
    assert.deepEqual(call.error, { type: 'mcp_tool_execution_error', content: 'boom' });
    assertMatchesSchema('MCPToolCall', call);
    assert.match(response.output_text, /The tool reported an error: boom/);
  });

  test('arguments that are not a JSON object never reach the server', async () => {
    const before = mcp.calls.length;
    const response = await create({ input: 'call calc__add not-json', tools: [calc()] });
    assert.equal(response.output[1]!.status, 'failed');
    assert.equal(mcp.calls.length, before);
  });

  test('a server speaking only HTTP+SSE is reached through the SSE transport', async () => {
    const response = await create({
      input: 'call calc__add {"a":40,"b":2}',
      tools: [calc({ server_url: mcp.sseUrl })],
    });
    assert.equal(response.output[1]!.output, '42');
  });

  test('approvals: the call waits for the client, runs when approved, and the list is not asked again', async () => {
    const calls = mcp.calls.length;
    const first = await create({
      input: 'call calc__add {"a":1,"b":1}',
      tools: [calc({ require_approval: 'always' })],
    });
    assert.equal(first.status, 'completed');
    assert.deepEqual(
      first.output.map((item) => item.type),
      ['mcp_list_tools', 'mcp_approval_request'],
    );
    const request = first.output[1]!;
    assertMatchesSchema('MCPApprovalRequest', request);
    assert.equal(request.name, 'add');
    assert.equal(mcp.calls.length, calls, 'nothing ran before the approval');

    const lists = mcp.lists;
    const second = await create({
      previous_response_id: first.id,
      input: [{ type: 'mcp_approval_response', approval_request_id: request.id, approve: true }],
      tools: [calc({ require_approval: 'always' })],
    });
    assert.deepEqual(
      second.output.map((item) => item.type),
      ['mcp_call', 'message'],
    );
    assert.equal(second.output[0]!.approval_request_id, request.id);
    assert.equal(second.output[0]!.output, '2');
    assert.equal(second.output_text, 'Result: 2');
    assert.equal(mcp.lists, lists, 'the chain lists the server once');
  });

  test('a denied approval runs nothing and tells the model', async () => {
    const first = await create({
      input: 'call calc__add {"a":1,"b":1}',
      tools: [calc({ require_approval: { never: { tool_names: ['shout'] } } })],
    });
    const request = first.output.find((item) => item.type === 'mcp_approval_request')!;
    const calls = mcp.calls.length;
    const second = await create({
      previous_response_id: first.id,
      input: [
        { type: 'mcp_approval_response', approval_request_id: request.id, approve: false, reason: 'no' },
      ],
      tools: [calc({ require_approval: { never: { tool_names: ['shout'] } } })],
    });
    assert.equal(mcp.calls.length, calls);
    assert.equal(second.output_text, 'Result: The user did not approve this call: no');
  });

  test('streaming: list and call events in order, each valid against the schema', async () => {
    const stream = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'call calc__add {"a":2,"b":2}',
      tools: [calc()],
      stream: true,
    } as never);
    const events: Loose[] = [];
    for await (const event of stream as unknown as AsyncIterable<Loose>) events.push(event);
    const response = checkResponseStream(events);
    assert.equal(response.status, 'completed');
    assert.deepEqual(
      events.map((event) => String(event.type)).filter((type) => type.includes('mcp')),
      [
        'response.mcp_list_tools.in_progress',
        'response.mcp_list_tools.completed',
        'response.mcp_call.in_progress',
        'response.mcp_call_arguments.delta',
        'response.mcp_call_arguments.done',
        'response.mcp_call.completed',
      ],
    );
  });

  test('a server that cannot be reached is a 424 naming the tool', async () => {
    await assert.rejects(
      create({ input: 'x', tools: [calc({ server_url: 'http://127.0.0.1:1/mcp' })] }),
      (error: { status: number; param: string; message: string }) =>
        error.status === 424 && error.param === 'tools[0]' && /calc/.test(error.message),
    );
  });

  test('a bad definition is a 400 naming its field', async () => {
    await assert.rejects(
      create({ input: 'x', tools: [calc({ server_label: 'has spaces' })] }),
      (error: { status: number; param: string }) =>
        error.status === 400 && error.param === 'tools[0].server_label',
    );
  });
});

describe('mcp and private addresses', () => {
  let guarded: ScriptedPortico;
  before(async () => {
    guarded = await startScriptedPortico(callWhatIsAsked, `tools:\n  run_for_openai: true\n`);
  });
  after(() => guarded.stop());

  test('a server on loopback is refused unless the config allows it', async () => {
    const lists = mcp.lists;
    await assert.rejects(
      guarded.portico.client.responses.create({
        model: SCRIPTED_MODEL,
        input: 'x',
        tools: [calc()],
      } as never),
      (error: { status: number; message: string }) =>
        error.status === 424 && /private, loopback, link-local or reserved/.test(error.message),
    );
    assert.equal(mcp.lists, lists);
  });
});
