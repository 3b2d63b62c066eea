import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

let portico: TestPortico;
before(async () => {
  portico = await startPortico();
});
after(() => portico.stop());

const ROUTES: Array<[string, string]> = [
  ['POST', '/v1/responses'],
  ['POST', '/v1/chat/completions'],
  ['GET', '/v1/responses/resp_fuzz'],
  ['DELETE', '/v1/responses/resp_fuzz'],
  ['GET', '/v1/responses/resp_fuzz/input_items'],
  ['GET', '/v1/models/local%2Fnone'],
  ['POST', '/v1/models'],
  ['PUT', '/v1/responses'],
  ['POST', '/v1/conversations'],
  ['POST', '/v1/conversations/conv_fuzz/items'],
  ['POST', '/v1/vector_stores'],
  ['POST', '/v1/vector_stores/vs_fuzz/search'],
  ['GET', '/v1/vector_stores'],
  ['GET', '/v1/files'],
  ['POST', '/v1/prompts'],
  ['GET', '/v1/prompts'],
  ['POST', '/v1/prompts/pmpt_fuzz'],
  ['POST', '/v1/prompts/pmpt_fuzz/versions'],
  ['GET', '/v1/prompts/pmpt_fuzz/versions'],
  ['GET', '/v1/logs'],
  ['DELETE', '/v1/logs'],
];

/** JSON that is close to a request: real parameter names with values of every kind. */
const nearRequest = fc.dictionary(
  fc.constantFrom(
    'model',
    'input',
    'messages',
    'tools',
    'text',
    'stream',
    'metadata',
    'max_output_tokens',
    'tool_choice',
    'response_format',
    'previous_response_id',
    'temperature',
    'include',
    'reasoning',
  ),
  fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constant(TINY_MODEL)),
);

/** Bodies that are broken in the ways clients break them: bad JSON, wrong types, odd bytes. */
const body = fc.oneof(
  fc.string(),
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
  nearRequest.map((value) =>
    JSON.stringify({ ...value, model: value.model ?? TINY_MODEL, max_output_tokens: 1, stream: false }),
  ),
  nearRequest.map((value) => JSON.stringify(value).slice(0, -1)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant('{"model": "a", "model": "b"}'),
  fc.integer({ min: 129, max: 400 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
);

const headers = fc.record({
  'content-type': fc.constantFrom(
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    '',
    'application/json; charset=latin1',
  ),
  'x-fuzz': fc.string({ maxLength: 40 }).map((value) => value.replace(/[^\x20-\x7e]/g, '')),
});

const query = fc.oneof(
  fc.constant(''),
  fc
    .record({
      limit: fc.string({ maxLength: 5 }),
      order: fc.string({ maxLength: 5 }),
      after: fc.string({ maxLength: 20 }),
    })
    .map((values) => `?${new URLSearchParams(values).toString()}`),
  // Log search and Cloudflare's filters, in each spelling, near right and wrong.
  fc
    .record(
      {
        search: fc.string({ maxLength: 30 }),
        filters: fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        ),
        'filters.key': fc.constantFrom(
          'model',
          'cost',
          'created_at',
          'metadata.value',
          'user_agent',
          'colour',
        ),
        'filters.operator': fc.constantFrom('eq', 'neq', 'contains', 'lt', 'gt', 'in'),
        'filters.value': fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('1', '-1', 'true', '')),
        'filters[0][key]': fc.constantFrom('feedback', 'success'),
        meta_info: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: [] },
    )
    .map((values) => `?${new URLSearchParams(values).toString()}`),
);

test('every route answers malformed bodies, headers and queries with a 4xx in the OpenAI error shape', async () => {
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      body,
      headers,
      query,
      async ([method, path], text, sent, search) => {
        const response = await fetch(`${portico.server.url}${path}${search}`, {
          method,
          headers: Object.fromEntries(Object.entries(sent).filter(([, value]) => value !== '')),
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: text }),
        });
        const answer = await response.text();
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        // A body that happens to be a valid request is served; everything else is refused cleanly.
        if (response.status === 200) return;
        assert.ok(
          response.status >= 400 && response.status < 500,
          `${method} ${path}: ${response.status} ${answer.slice(0, 300)}`,
        );
        const parsed = JSON.parse(answer) as { error?: Record<string, unknown> };
        assert.equal(typeof parsed.error?.message, 'string');
        assert.equal(typeof parsed.error?.type, 'string');
        assert.ok('param' in parsed.error! && 'code' in parsed.error!);
        assert.ok(
          !/\n\s+at |\/work\/|node_modules/.test(answer),
          `a stack or path leaked: ${answer.slice(0, 300)}`,
        );
      },
    ),
    { numRuns: 2_000, seed: 11 },
  );
  assert.ok((seen.get(400) ?? 0) > 500, `too few bodies reached validation: ${JSON.stringify([...seen])}`);
});
