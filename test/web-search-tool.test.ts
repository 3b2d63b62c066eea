import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { TINY_MODEL, startPortico, type TestPortico } from './support/portico.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import type { Script } from './support/scripted-upstream.ts';
import { startSearchServer, type SearchServer } from './support/search-server.ts';
import { checkResponseStream } from './support/stream-checks.ts';

type Loose = Record<string, unknown>;

/** Searches once, then answers citing the first URL of the results it read. */
const searchThenCite: Script = ({ input }) => {
  const output = input.find((item) => item.type === 'function_call_output');
  if (!output)
    return [{ type: 'function_call', name: 'web_search', arguments: '{"query":"portico gateway"}' }];
  const url = /https:\/\/\S+/.exec(String(output.output))?.[0] ?? 'nothing found';
  return [{ type: 'message', text: `See ${url} for details.` }];
};

// The backend is on loopback, and needs no tools.allowed_networks: it is the operator's URL.
const loopbackTools = (search: SearchServer, extra = '') =>
  `tools:\n  run_for_openai: true\n  web_search: { url: '${search.url}' }\n${extra}`;

let search: SearchServer;
before(async () => {
  search = await startSearchServer();
});
after(() => search.close());

describe('web_search run by Portico', () => {
  let scripted: ScriptedPortico;
  before(async () => {
    scripted = await startScriptedPortico(searchThenCite, loopbackTools(search));
  });
  after(() => scripted.stop());

  test('the model searches, reads the results and answers with a url_citation; sources on request', async () => {
    const response = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'What is Portico?',
      tools: [{ type: 'web_search' }],
      include: ['web_search_call.action.sources'],
    });
    assert.equal(response.status, 'completed');
    const [call, message] = response.output as unknown as Loose[];
    assert.equal(call!.type, 'web_search_call');
    assert.equal(call!.status, 'completed');
    assertMatchesSchema('WebSearchToolCall', call);
    const action = call!.action as { query: string; sources: Array<{ url: string }> };
    assert.equal(action.query, 'portico gateway');
    assert.deepEqual(
      action.sources.map((source) => source.url),
      ['https://docs.example.com/portico-gateway', 'https://blog.example.org/portico-gateway'],
    );
    assert.equal(search.queries.at(-1), 'portico gateway');
    assert.equal(response.output_text, 'See https://docs.example.com/portico-gateway for details.');
    const part = (message!.content as Loose[])[0]!;
    assert.deepEqual(part.annotations, [
      {
        type: 'url_citation',
        url: 'https://docs.example.com/portico-gateway',
        title: 'portico gateway: the documentation',
        start_index: 4,
        end_index: 44,
      },
    ]);
    // The upstream saw a function to call, then the call and its results: never the hosted tool.
    const requests = scripted.upstream.requests.slice(-2).map((request) => request.json as Loose);
    assert.deepEqual(
      (requests[0]!.tools as Loose[]).map((tool) => [tool.type, tool.name]),
      [['function', 'web_search']],
    );
    const fed = requests[1]!.input as Loose[];
    const output = fed.find((item) => item.type === 'function_call_output')!;
    assert.match(
      String(output.output),
      /\[1\] portico gateway: the documentation\nhttps:\/\/docs\.example\.com/,
    );
    assert.ok(response.usage!.input_tokens >= 24, 'usage sums both turns');
  });

  test('without include, the call carries no sources; a follow-up shows the search to the model as a call', async () => {
    const first = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'What is Portico?',
      tools: [{ type: 'web_search_preview' }],
    });
    const call = first.output[0] as unknown as { action: Loose };
    assert.equal(call.action.sources, undefined);
    await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      previous_response_id: first.id,
      input: 'And then?',
      tools: [{ type: 'web_search_preview' }],
    });
    const history = (scripted.upstream.requests.at(-2)!.json as { input: Loose[] }).input;
    assert.ok(
      !history.some((item) => item.type === 'web_search_call'),
      'the hosted item is replayed as a call',
    );
    const replayed = history.find((item) => item.type === 'function_call' && item.name === 'web_search')!;
    assert.equal(replayed.arguments, '{"query":"portico gateway"}');
  });

  test('streaming: the web_search_call events in order, each valid against the schema', async () => {
    const stream = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'What is Portico?',
      tools: [{ type: 'web_search' }],
      stream: true,
    });
    const events: Loose[] = [];
    for await (const event of stream) events.push(event as unknown as Loose);
    const response = checkResponseStream(events);
    assert.equal(response.status, 'completed');
    const types = events.map((event) => String(event.type)).filter((type) => type.includes('web_search'));
    assert.deepEqual(types, [
      'response.web_search_call.in_progress',
      'response.web_search_call.searching',
      'response.web_search_call.completed',
    ]);
    assert.ok(events.some((event) => event.type === 'response.output_text.annotation.added'));
  });
});

describe('parallel web searches', () => {
  let scripted: ScriptedPortico;
  before(async () => {
    // Two searches in one turn, then an answer naming what both found.
    scripted = await startScriptedPortico(({ input }) => {
      const outputs = input.filter((item) => item.type === 'function_call_output');
      if (outputs.length === 0)
        return [
          { type: 'function_call', name: 'web_search', arguments: '{"query":"oslo"}' },
          { type: 'function_call', name: 'web_search', arguments: '{"query":"bergen"}' },
        ];
      return [{ type: 'message', text: `${outputs.length} searches` }];
    }, loopbackTools(search));
  });
  after(() => scripted.stop());

  test('run together, shown in call order, both results fed back in one turn', async () => {
    const response = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'Compare the two cities.',
      tools: [{ type: 'web_search' }],
    });
    const calls = response.output.filter((item) => item.type === 'web_search_call') as unknown as Array<{
      action: { query: string };
    }>;
    assert.deepEqual(
      calls.map((call) => call.action.query),
      ['oslo', 'bergen'],
    );
    assert.equal(response.output_text, '2 searches');
    assert.equal(scripted.upstream.requests.length, 2, 'one turn for both calls, one to answer');
  });
});

describe('web_search on OpenAI models', () => {
  let scripted: ScriptedPortico;
  before(async () => {
    scripted = await startScriptedPortico(
      () => [{ type: 'message', text: 'Searched upstream.' }],
      `tools:\n  web_search: { url: '${search.url}' }\n`,
    );
  });
  after(() => scripted.stop());

  test('pass through to OpenAI unchanged unless the config says Portico runs them', async () => {
    await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'What is Portico?',
      tools: [{ type: 'web_search', search_context_size: 'low' }],
    });
    const sent = scripted.upstream.requests.at(-1)!.json as { tools: Loose[] };
    assert.deepEqual(sent.tools, [{ type: 'web_search', search_context_size: 'low' }]);
  });
});

describe('web_search on the local model', () => {
  let portico: TestPortico;
  before(async () => {
    portico = await startPortico({
      config: { tools: { web_search: { url: search.url } } },
    });
  });
  after(() => portico.stop());

  test('a forced web_search runs whatever arguments the tiny model writes, and the response ends', async () => {
    const response = await portico.client.responses.create({
      model: TINY_MODEL,
      input: 'Search the web.',
      tools: [{ type: 'web_search' }],
      tool_choice: { type: 'web_search' } as never,
      max_output_tokens: 200,
      temperature: 0,
    });
    const call = response.output.find((item) => item.type === 'web_search_call') as unknown as Loose;
    assert.ok(call, 'the forced call ran');
    assertMatchesSchema('WebSearchToolCall', call);
    assert.ok(['completed', 'failed'].includes(String(call.status)));
    assert.ok(['completed', 'incomplete'].includes(String(response.status)), response.status);
  });

  test('a bad definition is a 400 naming its field', async () => {
    await assert.rejects(
      portico.client.responses.create({
        model: TINY_MODEL,
        input: 'x',
        tools: [{ type: 'web_search', search_context_size: 'huge' } as never],
      }),
      (error: { status: number; param: string }) =>
        error.status === 400 && error.param === 'tools[0].search_context_size',
    );
  });
});
