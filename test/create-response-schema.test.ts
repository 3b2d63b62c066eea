import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { sample } from 'openapi-sampler';
import { WARNINGS_HEADER } from '../src/api/warnings-header.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

/** Hosted tools Portico runs for every model (docs/tools.md): never dropped. */
const RUN_BY_PORTICO = ['code_interpreter', 'mcp', 'file_search'];
const EXAMPLE_REFUSED: Record<string, number> = { mcp: 424, code_interpreter: 400, file_search: 400 };

/**
 * Walks OpenAI's published CreateResponse schema (../shared/openai-openapi): every top-level
 * field, every input item type, tool type and tool_choice form, each as the schema's own
 * sample (a stored prompt: one made for the test), sent to the real server with a real local
 * model. None is refused.
 */
const spec = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../shared/openai-openapi/responses.openapi.json', import.meta.url)),
    'utf8',
  ),
) as { components: { schemas: Record<string, Schema> } };
type Schema = Record<string, unknown> & {
  oneOf?: Schema[];
  anyOf?: Schema[];
  $ref?: string;
  properties?: Record<string, Schema>;
};
const schemas = spec.components.schemas;
const deref = (schema: Schema): Schema => (schema.$ref ? schemas[schema.$ref.split('/').pop()!]! : schema);
const OBJECT_SCHEMA = { type: 'object', properties: {}, required: [], additionalProperties: false };

/** The schema's sample with every JSON schema in it (tool parameters, ...) made a real one. */
function sanitize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sanitize);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      ['parameters', 'schema', 'input_schema', 'output_schema'].includes(key)
        ? [key, OBJECT_SCHEMA]
        : [key, sanitize(inner)],
    ),
  );
}
const example = (schema: Schema): unknown =>
  sanitize(sample(schema as never, { skipReadOnly: true }, spec as never));

/** The variants of a union schema, one level of nested unions flattened (Item inside InputItem). */
function variants(name: string): Schema[] {
  const union = schemas[name]!;
  return (union.oneOf ?? union.anyOf ?? []).flatMap((branch) => {
    const target = deref(branch);
    return target.oneOf && !target.properties ? target.oneOf.map(deref) : [target];
  });
}

function typeOf(schema: Schema): string {
  const type = schema.properties?.type as { enum?: string[] } | undefined;
  return type?.enum?.[0] ?? String(schema.title ?? 'string');
}

describe("OpenAI's CreateResponse, field by field", () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startPortico();
  });
  after(() => portico.stop());

  async function send(label: string, body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${portico.server.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: TINY_MODEL, input: 'Hi', max_output_tokens: 2, ...body, stream: false }),
    });
    const json = (await res.json()) as { error?: { code: string; param: string; message: string } };
    assert.equal(
      res.status,
      200,
      `${label}: ${JSON.stringify(json.error)} for ${JSON.stringify(body).slice(0, 400)}`,
    );
  }

  test('every top-level field', async () => {
    const full = example(schemas.CreateResponse!) as Record<string, unknown>;
    const skip = new Set(['model', 'input', 'stream', 'stream_options', 'max_output_tokens']);
    const previous = await portico.client.responses.create({
      model: TINY_MODEL,
      input: 'Hi',
      max_output_tokens: 2,
    });
    const conversation = await portico.client.conversations.create({});
    const prompt = await fetch(`${portico.server.url}/v1/prompts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: { instructions: 'Greet {{name}}.' } }),
    });
    const real: Record<string, unknown> = {
      background: true,
      conversation: conversation.id,
      previous_response_id: previous.id,
      prompt: { id: ((await prompt.json()) as { id: string }).id, version: '1', variables: { name: 'Ada' } },
      // The sample's allowed tool is `{}`: name one the request has.
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'f' }] },
    };
    for (const [field, value] of Object.entries(full)) {
      if (skip.has(field)) continue;
      const body: Record<string, unknown> = { [field]: real[field] ?? value };
      if (field === 'tool_choice') body.tools = [{ type: 'function', name: 'f' }];
      await send(field, body);
    }
    // Codex sends this one; OpenAI takes it.
    await send('client_metadata', { client_metadata: { session_id: 's1' } });
  });

  test('every input item type', async () => {
    const items = variants('InputItem');
    assert.ok(items.length >= 30, `${items.length} item types`);
    // A tool output answers a call before it, as OpenAI requires: the call goes first.
    const CALL_OF: Record<string, object> = {
      function_call_output: { type: 'function_call', name: 'f', arguments: '{}' },
      custom_tool_call_output: { type: 'custom_tool_call', name: 'f', input: '' },
    };
    for (const item of items) {
      const value = example(item) as { type: string; call_id?: string; id?: string };
      // A reference names a stored item: store one under the sample's id first.
      if (value.type === 'item_reference')
        await send('a message to refer to', {
          input: [{ type: 'message', role: 'user', id: value.id, content: 'hi' }],
        });
      const call = CALL_OF[value.type];
      const input = call ? [{ ...call, call_id: value.call_id }, value] : [value];
      await send(`input ${typeOf(item)}`, { input });
    }
  });

  test('every tool type, hosted ones run by Portico or dropped with a warning', async () => {
    const tools = variants('Tool');
    assert.equal(tools.length, 16);
    for (const tool of tools) {
      const value = example(tool) as { type: string };
      const res = await fetch(`${portico.server.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: TINY_MODEL, input: 'Hi', max_output_tokens: 2, tools: [value] }),
      });
      // Tools Portico runs check what the example names: an MCP server (example.com) it cannot
      // list tools from, a container ('string') that does not exist, a file_search with
      // max_num_results 0.
      if (value.type in EXAMPLE_REFUSED) {
        assert.equal(res.status, EXAMPLE_REFUSED[value.type], await res.text());
        continue;
      }
      assert.equal(res.status, 200, `${value.type}: ${await res.clone().text()}`);
      const hosted = !['function', 'custom', 'namespace', ...RUN_BY_PORTICO].includes(value.type);
      if (hosted && value.type !== 'tool_search')
        assert.match(res.headers.get(WARNINGS_HEADER) ?? '', /tools\[0\]\.type: dropped/, value.type);
    }
  });

  test('every tool_choice form, with the tool it names', async () => {
    for (const form of variants('ToolChoiceParam')) {
      const choice = example(form) as string | { type: string; name?: string };
      if (typeof choice === 'object' && choice.type === 'allowed_tools')
        (choice as unknown as { tools: unknown[] }).tools = [{ type: 'function', name: 'f' }];
      const tools =
        typeof choice === 'string' || choice.type === 'allowed_tools'
          ? [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }]
          : choice.type === 'function' || choice.type === 'custom'
            ? [{ type: choice.type, name: choice.name }]
            : [{ type: choice.type === 'mcp' ? 'mcp' : choice.type, server_label: 'x' }];
      // Portico runs MCP and file_search tools itself, and checks their definition: these name
      // no server and no vector store.
      const missing: Record<string, string> = {
        mcp: 'tools[0].server_url',
        file_search: 'tools[0].vector_store_ids',
      };
      if (typeof choice === 'object' && choice.type in missing) {
        await assert.rejects(
          portico.client.responses.create({
            model: TINY_MODEL,
            input: 'Hi',
            tools,
            tool_choice: choice,
          } as never),
          (error: { status: number; param: string }) =>
            error.status === 400 && error.param === missing[choice.type],
        );
        continue;
      }
      await send(`tool_choice ${JSON.stringify(choice)}`, { tools, tool_choice: choice });
    }
  });
});

describe('hosted tools a model cannot run', () => {
  test('with hosted_tools: refuse they are a 400 naming the tool', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const config = join(mkdtempSync(join(tmpdir(), 'portico-hosted-')), 'portico.yaml');
    writeFileSync(config, 'hosted_tools: refuse\n');
    const portico = await startPortico({ configPath: config });
    try {
      const error = await portico.client.responses
        .create({ model: TINY_MODEL, input: 'Hi', tools: [{ type: 'web_search' }] })
        .then(
          () => undefined,
          (thrown: { status: number; param: string }) => thrown,
        );
      assert.equal(error?.status, 400);
      assert.equal(error?.param, 'tools[0].type');
    } finally {
      await portico.stop();
    }
  });
});
