import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startMcpServer, type TestMcpServer } from './support/mcp-server.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import type { Script } from './support/scripted-upstream.ts';
import { startSearchServer, type SearchServer } from './support/search-server.ts';

// URLs in the config are the operator's and trusted at any address; URLs in requests are the
// clients' and reach private addresses only where tools.allowed_networks says so. None is set here.

type Loose = Record<string, unknown>;

/** Searches once, then answers; the search's output is read from the upstream's requests. */
const searchOnce: Script = ({ input }) =>
  input.some((item) => item.type === 'function_call_output')
    ? [{ type: 'message', text: 'Done.' }]
    : [{ type: 'function_call', name: 'web_search', arguments: '{"query":"portico gateway"}' }];

const searchConfig = (url: string) => `tools:\n  run_for_openai: true\n  web_search: { url: '${url}' }\n`;

/** Runs one search through `scripted`: the call item, and the output the model read. */
async function search(scripted: ScriptedPortico): Promise<{ call: Loose; output: string }> {
  const response = await scripted.portico.client.responses.create({
    model: SCRIPTED_MODEL,
    input: 'What is Portico?',
    tools: [{ type: 'web_search' }],
  });
  assert.equal(response.status, 'completed');
  const fed = (scripted.upstream.requests.at(-1)!.json as { input: Loose[] }).input;
  const output = fed.find((item) => item.type === 'function_call_output')!;
  return { call: response.output[0] as unknown as Loose, output: String(output.output) };
}

let backend: SearchServer;
let mcp: TestMcpServer;
before(async () => {
  backend = await startSearchServer();
  mcp = await startMcpServer();
});
after(async () => {
  await backend.close();
  await mcp.close();
});

describe('a search backend on loopback, no allowed networks', () => {
  let scripted: ScriptedPortico;
  before(async () => {
    scripted = await startScriptedPortico(searchOnce, searchConfig(backend.url));
  });
  after(() => scripted.stop());

  test("the operator's backend is searched, while a client's MCP server on loopback is refused", async () => {
    const asked = backend.queries.length;
    const { call, output } = await search(scripted);
    assert.equal(call.status, 'completed', output);
    assert.equal(backend.queries.length, asked + 1);
    assert.match(output, /https:\/\/docs\.example\.com\/portico-gateway/);

    const lists = mcp.lists;
    await assert.rejects(
      scripted.portico.client.responses.create({
        model: SCRIPTED_MODEL,
        input: 'x',
        tools: [{ type: 'mcp', server_label: 'calc', server_url: mcp.url, require_approval: 'never' }],
      }),
      (error: { status: number; message: string }) =>
        error.status === 424 && /127\.0\.0\.1 is private, loopback/.test(error.message),
    );
    assert.equal(mcp.lists, lists, 'the MCP server was never asked');
  });
});

describe('a search backend that redirects to another origin', () => {
  let redirector: Server;
  let scripted: ScriptedPortico;
  before(async () => {
    // Points every request at the real backend, on another port: another origin.
    redirector = createServer((request, response) => {
      response.writeHead(302, { location: new URL(request.url ?? '/', backend.url).href }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const { port } = redirector.address() as AddressInfo;
    scripted = await startScriptedPortico(searchOnce, searchConfig(`http://127.0.0.1:${port}`));
  });
  after(async () => {
    await scripted.stop();
    await new Promise<void>((resolve) => redirector.close(() => resolve()));
  });

  test('is not followed: the call fails and the model reads why', async () => {
    const asked = backend.queries.length;
    const { call, output } = await search(scripted);
    assert.equal(call.status, 'failed');
    assert.match(
      output,
      /answered HTTP 302, a redirect to http:\/\/127\.0\.0\.1:\d+\/search\?q=portico\+gateway.*; Portico does not follow redirects/,
    );
    assert.equal(backend.queries.length, asked, 'the redirect target was never asked');
  });
});
