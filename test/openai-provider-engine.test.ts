import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import type { CreateResponseRequest } from '../src/api/request.ts';
import { Catalog } from '../src/catalog/catalog.ts';
import { startResponse, type EngineContext } from '../src/engine/create-response.ts';
import { randomId } from '../src/engine/ids.ts';
import { replayThroughSdk } from './support/sdk-replay.ts';
import { checkResponseStream } from './support/stream-checks.ts';
import { openSqliteStores } from '../src/store/sqlite-stores.ts';
import {
  fixture,
  fixturesDir,
  model,
  provider,
  answerWith,
  upstreamRequests,
  useOpenAiReplay,
} from './support/openai-replay.ts';

// OpenAI's recorded streams against its published schema, and through the engine and the official SDK.
useOpenAiReplay();

describe('openai fixtures', () => {
  test("every recorded stream event validates against OpenAI's published schema", () => {
    const spec = JSON.parse(
      readFileSync(new URL('../../shared/openai-openapi/responses.openapi.json', import.meta.url), 'utf8'),
    ) as { components: { schemas: Record<string, { properties?: { type?: { enum?: string[] } } }> } };
    const ajv = new Ajv2020.default({ strict: false, validateFormats: false });
    ajv.addSchema(spec, 'spec');
    const root = spec.components.schemas.ResponseStreamEvent as { anyOf?: Array<{ $ref: string }> };
    const schemaFor = new Map<string, string>();
    for (const { $ref } of root.anyOf ?? []) {
      const name = $ref.split('/').at(-1)!;
      const type = spec.components.schemas[name]?.properties?.type?.enum?.[0];
      if (type) schemaFor.set(type, name);
    }
    let checked = 0;
    for (const file of readdirSync(fixturesDir).filter((f) => f.endsWith('.json'))) {
      const served = fixture(file.replace(/\.json$/, ''));
      assert.ok(served.provenance.length > 0, `${file} has no provenance`);
      if (!served.headers?.['content-type']?.includes('text/event-stream')) continue;
      for (const block of (served.body ?? served.chunks!.join('')).split('\n\n')) {
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        let event: { type: string; response?: Record<string, unknown> };
        try {
          event = JSON.parse(data.slice('data: '.length)) as typeof event;
        } catch {
          assert.equal(file, 'malformed-json.json', `${file} holds invalid JSON`);
          continue;
        }
        // The spec's documented defects: OpenAI sends `user: null` and `usage: null`, its schema allows neither.
        if (event.response?.user === null) delete event.response.user;
        if (event.response?.usage === null) delete event.response.usage;
        const name = schemaFor.get(event.type);
        assert.ok(name, `${file}: ${event.type} is not a documented event`);
        const validate = ajv.getSchema(`spec#/components/schemas/${name}`)!;
        assert.ok(validate(event), `${file}: ${event.type}: ${JSON.stringify(validate.errors)}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `only ${checked} events checked`);
  });
});

describe('openai provider through the engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-openai-'));
  const stores = openSqliteStores({ dataDir });
  const store = stores.responses;
  after(async () => {
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function engine(): EngineContext {
    const upstream = provider();
    return {
      catalog: new Catalog([model], new Map([['openai', upstream]])),
      store,
      newId: randomId,
      now: Date.now,
      owner: 'owner-openai-test',
    };
  }

  async function respond(request: Partial<CreateResponseRequest>): Promise<Array<Record<string, unknown>>> {
    const started = await startResponse(
      { model: model.id, input: 'Hi', ...request } as CreateResponseRequest,
      engine(),
      new AbortController().signal,
    );
    const events: Array<Record<string, unknown>> = [];
    for await (const event of started.events) events.push(event as unknown as Record<string, unknown>);
    return events;
  }

  test('every recorded stream becomes a Responses stream the official SDK folds', async () => {
    const streams = [
      'text',
      'reasoning',
      'function-call',
      'parallel-function-calls',
      'custom-tool-call',
      'structured-output',
      'web-search',
      'incomplete',
      'failed',
      'error-event',
      'cut-stream',
      'malformed-json',
    ];
    const statuses: Record<string, unknown> = {};
    for (const name of streams) {
      answerWith(() => fixture(name));
      const events = await respond({});
      const response = checkResponseStream(events);
      statuses[name] = response.status;
      const sdk = await replayThroughSdk(events, model.id);
      assert.equal(sdk.count, events.length, name);
      if (response.status !== 'completed') continue;
      // The SDK's stream helper adds `parsed` and `parsed_arguments` fields; the rest must match.
      const output = JSON.parse(
        JSON.stringify(sdk.final.output, (key, value) =>
          key === 'parsed' || key === 'parsed_arguments' ? undefined : value,
        ),
      );
      assert.deepEqual(output, response.output, name);
    }
    assert.deepEqual(statuses, {
      text: 'completed',
      reasoning: 'completed',
      'function-call': 'completed',
      'parallel-function-calls': 'completed',
      'custom-tool-call': 'completed',
      'structured-output': 'completed',
      'web-search': 'completed',
      incomplete: 'incomplete',
      failed: 'failed',
      'error-event': 'failed',
      'cut-stream': 'failed',
      'malformed-json': 'failed',
    });
  });

  test('previous_response_id sends the stored history with the reasoning OpenAI issued', async () => {
    answerWith(() => fixture('reasoning'));
    const first = await respond({ input: 'What is 17 times 23?' });
    const created = first[0] as { response: { id: string } };
    answerWith(() => fixture('text'));
    const seen = upstreamRequests().length;
    await respond({ input: 'And 18 times 23?', previous_response_id: created.response.id });
    const body = upstreamRequests()[seen]!.json as { input: Array<Record<string, unknown>>; store: boolean };
    assert.equal(body.store, false);
    assert.deepEqual(
      body.input.map((item) => item.type),
      ['message', 'reasoning', 'message', 'message'],
    );
    assert.deepEqual(body.input[1], {
      type: 'reasoning',
      id: 'rs_0a1f7c3e9b2d4e6f02aa11bb22cc33dd44ee55ff66a7b8c9',
      summary: [
        {
          type: 'summary_text',
          text: '**Checking the arithmetic**\n\nThe user asks for 17 times 23.\n\n**Answering**\n\n17 x 23 = 391.',
        },
      ],
      encrypted_content:
        'gAAAAABpQ1Zx3kR9mT2vL8nYc4Wq7Eo1Hs6Ju0Ka5Pd_Zb9Xf2Gg3Ii4Nn8Mm1Oo-Rr7Ss5Tt0Uu6Vv9Ww2Xx4Yy8Zz3Aa1Bb5Cc7Dd9Ee0Ff2Gg4Hh6Ii8Jj==',
    });
    assert.ok(
      body.input.every((item) => item.type === 'reasoning' || !('id' in item)),
      'no Portico ids upstream',
    );
  });
});
