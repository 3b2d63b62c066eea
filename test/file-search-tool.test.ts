import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { createAI } from '../src/index.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { sharedModelsDir, TINY_MODEL, startPortico, type TestPortico } from './support/portico.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';
import type { Script } from './support/scripted-upstream.ts';
import { checkResponseStream } from './support/stream-checks.ts';

type Loose = Record<string, unknown>;

/** Searches the files once, then answers naming the file the first passage came from. */
const searchThenCite: Script = ({ input }) => {
  const output = input.find((item) => item.type === 'function_call_output');
  if (!output)
    return [{ type: 'function_call', name: 'file_search', arguments: '{"queries":["lighthouse keeper"]}' }];
  const file = /^\[1\] (\S+)/m.exec(String(output.output))?.[1] ?? 'nothing';
  return [{ type: 'message', text: `The keeper lights the lamp every night (${file}).` }];
};

async function vectorStore(client: OpenAI, files: Record<string, { text: string; attributes?: Loose }>) {
  const store = await client.vectorStores.create({ name: 'docs' });
  for (const [name, { text, attributes }] of Object.entries(files)) {
    const file = await client.files.create({
      file: await toFile(Buffer.from(text), name),
      purpose: 'assistants',
    });
    await client.vectorStores.files.create(store.id, {
      file_id: file.id,
      ...(attributes ? { attributes: attributes as Record<string, string> } : {}),
    });
  }
  return store.id;
}

const FILES = {
  'lighthouse.md': {
    text: 'The lighthouse keeper climbs the tower and lights the lamp every night.',
    attributes: { kind: 'sea' },
  },
  'bakery.txt': {
    text: 'The baker bakes bread before sunrise; the keeper of the bakery sweeps.',
    attributes: { kind: 'town' },
  },
};

describe('file_search run by Portico', () => {
  let scripted: ScriptedPortico;
  let storeId: string;
  before(async () => {
    scripted = await startScriptedPortico(searchThenCite, 'tools:\n  run_for_openai: true\n');
    storeId = await vectorStore(scripted.portico.client, FILES);
  });
  after(() => scripted.stop());

  test('the model searches, reads the passages and answers with a file_citation; results on request', async () => {
    const response = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'Who lights the lamp?',
      tools: [{ type: 'file_search', vector_store_ids: [storeId] }],
      include: ['file_search_call.results'],
    });
    assert.equal(response.status, 'completed');
    const [call, message] = response.output as unknown as Loose[];
    assertMatchesSchema('FileSearchToolCall', call);
    assert.deepEqual(
      [call!.type, call!.status, call!.queries],
      ['file_search_call', 'completed', ['lighthouse keeper']],
    );
    const results = call!.results as Array<{
      filename: string;
      score: number;
      text: string;
      attributes: Loose;
    }>;
    assert.deepEqual(
      results.map((result) => [result.filename, result.attributes]),
      [
        ['lighthouse.md', { kind: 'sea' }],
        ['bakery.txt', { kind: 'town' }],
      ],
      'both files match "keeper"; the one matching both words ranks first',
    );
    assert.ok(results[0]!.score > results[1]!.score);
    assert.equal(response.output_text, 'The keeper lights the lamp every night (lighthouse.md).');
    const part = (message!.content as Loose[])[0]!;
    assert.deepEqual(part.annotations, [
      {
        type: 'file_citation',
        file_id: (part.annotations as Loose[])[0]!.file_id,
        filename: 'lighthouse.md',
        index: 'The keeper lights the lamp every night (lighthouse.md'.length,
      },
    ]);
    assertMatchesSchema('FileCitationBody', (part.annotations as Loose[])[0]);
    // The upstream saw a function to call and then the passages: never the hosted tool.
    const requests = scripted.upstream.requests.slice(-2).map((request) => request.json as Loose);
    assert.deepEqual(
      (requests[0]!.tools as Loose[]).map((tool) => [tool.type, tool.name]),
      [['function', 'file_search']],
    );
    const fed = (requests[1]!.input as Loose[]).find((item) => item.type === 'function_call_output')!;
    assert.match(String(fed.output), /^\[1\] lighthouse\.md \(score 1\.00\)\nThe lighthouse keeper climbs/);
  });

  test('without include the call has no results; filters and max_num_results narrow the search', async () => {
    const response = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'Who lights the lamp?',
      tools: [
        {
          type: 'file_search',
          vector_store_ids: [storeId],
          max_num_results: 1,
          filters: { type: 'eq', key: 'kind', value: 'town' },
          ranking_options: { ranker: 'auto', score_threshold: 0.1 },
        },
      ],
    });
    const call = response.output[0] as unknown as Loose;
    assert.equal(call.results, null);
    const fed = (scripted.upstream.requests.at(-1)!.json as { input: Loose[] }).input;
    const output = String(fed.find((item) => item.type === 'function_call_output')!.output);
    assert.match(output, /^\[1\] bakery\.txt/);
    assert.ok(!output.includes('[2]'));
    assert.equal(response.output_text, 'The keeper lights the lamp every night (bakery.txt).');
  });

  test('streaming: the file_search_call events in order, each valid against the schema', async () => {
    const stream = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'Who lights the lamp?',
      tools: [{ type: 'file_search', vector_store_ids: [storeId] }],
      stream: true,
    });
    const events: Loose[] = [];
    for await (const event of stream) events.push(event as unknown as Loose);
    const response = checkResponseStream(events);
    assert.equal(response.status, 'completed');
    const types = events.map((event) => String(event.type)).filter((type) => type.includes('file_search'));
    assert.deepEqual(types, [
      'response.file_search_call.in_progress',
      'response.file_search_call.searching',
      'response.file_search_call.completed',
    ]);
    const annotation = events.find((event) => event.type === 'response.output_text.annotation.added');
    assert.equal((annotation?.annotation as Loose | undefined)?.type, 'file_citation');
  });

  test('a follow-up shows the earlier search to the model as a call; an unknown store is a 404 naming it', async () => {
    const first = await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'Who lights the lamp?',
      tools: [{ type: 'file_search', vector_store_ids: [storeId] }],
    });
    await scripted.portico.client.responses.create({
      model: SCRIPTED_MODEL,
      input: 'Thanks.',
      previous_response_id: first.id,
      tools: [{ type: 'file_search', vector_store_ids: [storeId] }],
    });
    const history = (scripted.upstream.requests.at(-2)!.json as { input: Loose[] }).input;
    const replayed = history.find((item) => item.type === 'function_call' && item.name === 'file_search');
    assert.equal(replayed?.arguments, '{"queries":["lighthouse keeper"]}');
    await assert.rejects(
      scripted.portico.client.responses.create({
        model: SCRIPTED_MODEL,
        input: 'x',
        tools: [{ type: 'file_search', vector_store_ids: [storeId, 'vs_missing'] }],
      }),
      (error: { status: number; param: string }) =>
        error.status === 404 && error.param === 'tools[0].vector_store_ids[1]',
    );
    await assert.rejects(
      scripted.portico.client.responses.create({
        model: SCRIPTED_MODEL,
        input: 'x',
        tools: [{ type: 'file_search', vector_store_ids: [] }],
      }),
      (error: { status: number; param: string }) =>
        error.status === 400 && error.param === 'tools[0].vector_store_ids',
    );
  });
});

describe('file_search on the local model and through the binding', () => {
  let portico: TestPortico;
  let storeId: string;
  before(async () => {
    portico = await startPortico({ config: { vector_stores: { embedding_model: TINY_MODEL } } });
    storeId = await vectorStore(portico.client, FILES);
  });
  after(() => portico.stop());

  test('a forced file_search runs whatever arguments the tiny model writes, and the response ends', async () => {
    const response = await portico.client.responses.create({
      model: TINY_MODEL,
      input: 'Search my files for the lighthouse.',
      tools: [{ type: 'file_search', vector_store_ids: [storeId] }],
      tool_choice: { type: 'file_search' },
      include: ['file_search_call.results'],
      max_output_tokens: 120,
      // Greedy: sampled arguments can run past the token limit before the call closes.
      temperature: 0,
    });
    const call = response.output.find((item) => item.type === 'file_search_call') as unknown as Loose;
    assert.ok(call, 'the forced call ran');
    assertMatchesSchema('FileSearchToolCall', call);
    assert.ok(['completed', 'failed'].includes(String(call.status)));
    if (call.status === 'completed') assert.ok(Array.isArray(call.results));
    assert.ok(['completed', 'incomplete'].includes(String(response.status)), response.status);
  });

  test('the binding runs file_search with the same stores', async () => {
    const ai = createAI({ modelsDirs: [sharedModelsDir], dataDir: portico.dataDir, env: {} });
    try {
      const answer = (await ai.run(TINY_MODEL, {
        input: 'Search my files.',
        tools: [{ type: 'file_search', vector_store_ids: [storeId] }],
        tool_choice: { type: 'file_search' },
        max_output_tokens: 120,
        temperature: 0,
      })) as { output: Loose[] };
      const call = answer.output.find((item) => item.type === 'file_search_call');
      assert.ok(call, 'the binding ran the forced call');
    } finally {
      await ai.close();
    }
  });
});
