import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createAI } from '../src/binding.ts';
import { ApiError } from '../src/api/errors.ts';
import { LIMITS } from '../src/api/limits.ts';
import { parseJsonText } from '../src/api/parse-json-text.ts';
import { parseRawAnswer, rawExchange } from './support/raw-exchange.ts';
import { sharedModelsDir, startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

let portico: TestPortico;
before(async () => {
  portico = await startPortico();
});
after(() => portico.stop());

interface Answer {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  text: string;
}

async function post(path: string, body: string): Promise<Answer> {
  const response = await fetch(`${portico.server.url}/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Answer['body'], text };
}

/** A schema nested `levels` objects deep, as JSON text (JSON.stringify itself overflows at 10,000). */
function nestedText(levels: number): string {
  const open = '{"type":"object","required":["a"],"properties":{"a":';
  return `${open.repeat(levels)}{"type":"string"}${'}}'.repeat(levels)}`;
}

/** A schema nested `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let level = 0; level < levels; level++)
    schema = { type: 'object', properties: { a: schema }, required: ['a'], additionalProperties: false };
  return schema;
}

describe('request bodies', () => {
  test('a chunked body is counted as it arrives and refused at the limit, not read whole', async () => {
    const url = new URL(`${portico.server.url}/v1/responses`);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let written = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      const pump = (): void => {
        // Never more than twice the limit: a server that read on would not answer before that.
        while (written < LIMITS.bodyBytes * 2) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(status, 413);
    assert.ok(written < LIMITS.bodyBytes * 2, `the server read ${written} bytes before answering`);
  });

  test('nesting deeper than the limit is a 400 naming where, in tools, text.format and chat response_format', async () => {
    for (const levels of [1_000, 10_000]) {
      const schema = nestedText(levels);
      const bodies: Array<[string, string]> = [
        [
          '/responses',
          `{"model":"${TINY_MODEL}","input":"hi","tools":[{"type":"function","name":"f","parameters":${schema}}]}`,
        ],
        [
          '/responses',
          `{"model":"${TINY_MODEL}","input":"hi","text":{"format":{"type":"json_schema","name":"x","schema":${schema}}}}`,
        ],
        [
          '/chat/completions',
          `{"model":"${TINY_MODEL}","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${schema}}}}`,
        ],
      ];
      for (const [path, body] of bodies) {
        const answer = await post(path, body);
        assert.equal(answer.status, 400, answer.text.slice(0, 300));
        assert.equal(answer.body.error.code, 'json_too_deep');
        assert.match(
          answer.body.error.param ?? '',
          /^(tools\[0\]\.parameters|text\.format\.schema|response_format\.json_schema\.schema)\.properties\.a/,
        );
        assert.ok(answer.text.length < 2_000);
      }
    }
  });

  test('a schema as deep as the limit allows is served without overflowing any walk', async () => {
    const response = await portico.client.responses.create({
      model: TINY_MODEL,
      input: 'hi',
      max_output_tokens: 8,
      text: { format: { type: 'json_schema', name: 'deep', schema: nested(55), strict: false } },
    });
    assert.ok(['completed', 'incomplete'].includes(response.status ?? ''));
  });

  test('a key given twice is a 400 naming it, at any depth', async () => {
    const top = await post('/responses', '{"model": "a", "input": "x", "model": "b"}');
    assert.deepEqual(
      [top.status, top.body.error.code, top.body.error.param],
      [400, 'duplicate_key', 'model'],
    );
    const deep = await post(
      '/responses',
      `{"model": "${TINY_MODEL}", "input": [{"type": "message", "role": "user", "content": "x", "role": "system"}]}`,
    );
    assert.deepEqual([deep.status, deep.body.error.param], [400, 'input[0].role']);
    const escaped = await post(
      '/responses',
      '{"model": "a", "input": "x", "metadata": {"k": "1", "\\u006b": "2"}}',
    );
    assert.deepEqual([escaped.status, escaped.body.error.param], [400, 'metadata.k']);
    // The same key in two objects is no duplicate.
    const fine = parseJsonText('{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}], "k\\"": "\\"k"}');
    assert.deepEqual(fine, { a: { k: 1 }, b: { k: 2 }, c: [{ k: 1 }, { k: 2 }], 'k"': '"k' });
  });

  test("a 431 is in the error shape of the API its path belongs to: Anthropic's on the Messages API", async () => {
    const refused = async (target: string) => {
      // One write: node keeps the chunk it failed in, which then begins with the request line.
      const head = `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'x'.repeat(17_000)}\r\n\r\n`;
      const answer = parseRawAnswer(await rawExchange(portico.server.url, head));
      assert.equal(answer.status, 431, target);
      assert.equal(answer.headers.get('content-type'), 'application/json');
      assert.equal(answer.headers.get('connection'), 'close');
      return JSON.parse(answer.body) as unknown;
    };
    const anthropic = {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'The request line and headers are larger than 16 KB.',
      },
    };
    assert.deepEqual(await refused('/v1/messages'), anthropic);
    assert.deepEqual(await refused('/v1/messages/count_tokens?beta=true'), anthropic);
    assert.deepEqual(await refused('/v1/acct/default/anthropic/v1/messages'), anthropic);
    assert.deepEqual(await refused('http://127.0.0.1/v1/messages'), anthropic, 'absolute form');
    assert.deepEqual(await refused('/v1/responses'), {
      error: {
        message: 'The request line and headers are larger than 16 KB.',
        type: 'invalid_request_error',
        param: null,
        code: 'headers_too_large',
      },
    });
  });

  test('what node:http refuses before any route (headers past 16 KB, not HTTP) is answered in the OpenAI error shape', async () => {
    const long = await fetch(`${portico.server.url}/v1/models?q=${'x'.repeat(20_000)}`);
    assert.equal(long.status, 431);
    assert.equal(((await long.json()) as Answer['body']).error.code, 'headers_too_large');
    const raw = await rawExchange(portico.server.url, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Answer['body'];
    assert.equal(body.error.code, 'invalid_http');
    assert.equal(body.error.type, 'invalid_request_error');
  });

  test('a request whose path or Host is no URL (a backslash, a space in the host) is a 400 in the OpenAI error shape', async () => {
    for (const head of [
      'GET /\\v1/models HTTP/1.1\r\nHost: 127.0.0.1',
      'POST /v1\\responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2',
      'GET /v1/models HTTP/1.1\r\nHost: a b',
    ]) {
      const body = head.startsWith('POST') ? '{}' : '';
      const raw = await rawExchange(portico.server.url, `${head}\r\nConnection: close\r\n\r\n${body}`);
      assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/, head);
      const answer = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Answer['body'];
      assert.deepEqual(
        [answer.error.type, answer.error.code],
        ['invalid_request_error', 'invalid_http'],
        head,
      );
    }
  });

  test('a required parameter that a union types is missing, not invalid, when left out', async () => {
    const answer = await post('/responses', JSON.stringify({ model: TINY_MODEL }));
    assert.equal(answer.status, 400);
    assert.deepEqual(
      [answer.body.error.param, answer.body.error.code, answer.body.error.message],
      ['input', 'missing_required_parameter', "Missing required parameter: 'input'."],
    );
    const wrong = await post('/responses', JSON.stringify({ model: TINY_MODEL, input: null }));
    assert.deepEqual([wrong.body.error.param, wrong.body.error.code], ['input', 'invalid_value']);
  });

  test('echoed values are cut short: a 10 MB model name gets a short 404', async () => {
    const answer = await post('/responses', JSON.stringify({ model: 'm'.repeat(10_000_000), input: 'hi' }));
    assert.equal(answer.status, 404);
    assert.ok(answer.text.length < 2_000, `${answer.text.length} bytes`);
    const unknownKey = await post(
      '/responses',
      JSON.stringify({ model: TINY_MODEL, input: 'x', ['k'.repeat(100_000)]: 1 }),
    );
    assert.equal(unknownKey.status, 400);
    assert.ok(unknownKey.text.length < 2_000);
  });
});

describe('request counts', () => {
  const base = { model: TINY_MODEL, input: 'hi' };
  const longId = `resp_${'x'.repeat(LIMITS.idChars)}`;
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'tools',
      {
        ...base,
        tools: Array.from({ length: LIMITS.tools + 1 }, (_, i) => ({ type: 'function', name: `f${i}` })),
      },
      'tools',
    ],
    [
      'tools, counting those in namespaces',
      {
        ...base,
        tools: [
          { type: 'function', name: 'f' },
          {
            type: 'namespace',
            name: 'many',
            description: 'd',
            tools: Array.from({ length: LIMITS.tools }, (_, i) => ({ type: 'function', name: `f${i}` })),
          },
        ],
      },
      'tools',
    ],
    [
      'input items',
      {
        ...base,
        input: Array.from({ length: LIMITS.inputItems + 1 }, () => ({ role: 'user', content: 'x' })),
      },
      'input',
    ],
    [
      'content parts',
      {
        ...base,
        input: [
          {
            role: 'user',
            content: Array.from({ length: LIMITS.contentParts + 1 }, () => ({
              type: 'input_text',
              text: 'x',
            })),
          },
        ],
      },
      'input[0].content',
    ],
    [
      'enum values (the 100,000-value enum that stalled local models)',
      {
        ...base,
        text: {
          format: {
            type: 'json_schema',
            name: 'e',
            schema: {
              type: 'object',
              properties: { a: { enum: Array.from({ length: 100_000 }, (_, i) => `v${i}`) } },
            },
          },
        },
      },
      'text.format.schema',
    ],
    [
      'object properties',
      {
        ...base,
        tools: [
          {
            type: 'function',
            name: 'f',
            parameters: {
              type: 'object',
              properties: Object.fromEntries(
                Array.from({ length: LIMITS.schemaProperties + 1 }, (_, i) => [`p${i}`, { type: 'integer' }]),
              ),
            },
          },
        ],
      },
      'tools[0].parameters',
    ],
    [
      'grammar characters',
      {
        ...base,
        tools: [
          {
            type: 'custom',
            name: 'g',
            format: { type: 'grammar', syntax: 'regex', definition: 'a'.repeat(LIMITS.grammarChars + 1) },
          },
        ],
      },
      'tools[0].format.definition',
    ],
    [
      'grammar characters in a namespace',
      {
        ...base,
        tools: [
          {
            type: 'namespace',
            name: 'n',
            description: 'd',
            tools: [
              {
                type: 'custom',
                name: 'g',
                format: { type: 'grammar', syntax: 'regex', definition: 'a'.repeat(LIMITS.grammarChars + 1) },
              },
            ],
          },
        ],
      },
      'tools[0].tools[0].format.definition',
    ],
    [
      'metadata pairs',
      { ...base, metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata',
    ],
  ];
  for (const [what, body, param] of cases) {
    test(`too many ${what} is a 400 naming ${param}`, async () => {
      const answer = await post('/responses', JSON.stringify(body));
      assert.equal(answer.status, 400, answer.text.slice(0, 300));
      assert.equal(answer.body.error.param, param);
      assert.equal(answer.body.error.type, 'invalid_request_error');
    });
  }

  const tooLong: Array<[string, Record<string, unknown>, string]> = [
    ['characters in previous_response_id', { ...base, previous_response_id: longId }, 'previous_response_id'],
    ['characters in conversation', { ...base, conversation: longId }, 'conversation'],
    ['characters in conversation.id', { ...base, conversation: { id: longId } }, 'conversation.id'],
    [
      'characters in an input item id',
      { ...base, input: [{ type: 'message', id: longId, role: 'user', content: 'hi' }] },
      'input[0].id',
    ],
    [
      'include values',
      {
        ...base,
        include: Array.from({ length: LIMITS.includeValues + 1 }, () => 'reasoning.encrypted_content'),
      },
      'include',
    ],
  ];
  for (const [what, body, param] of tooLong) {
    test(`too many ${what} is a 400 limit_exceeded naming ${param}`, async () => {
      const answer = await post('/responses', JSON.stringify(body));
      assert.deepEqual(
        [answer.status, answer.body.error.param, answer.body.error.code],
        [400, param, 'limit_exceeded'],
      );
    });
  }

  test("a conversation's items are stored with ids no longer than the limit", async () => {
    const item = { type: 'message', id: longId, role: 'user', content: 'hi' };
    const created = await post('/conversations', JSON.stringify({ items: [item] }));
    assert.deepEqual([created.status, created.body.error.param], [400, 'items[0].id']);
    const ok = await post(
      '/conversations',
      JSON.stringify({ items: [{ ...item, id: 'm'.repeat(LIMITS.idChars) }] }),
    );
    assert.equal(ok.status, 200, ok.text.slice(0, 300));
  });

  test('too many of a list that a union also takes in another shape is a 400 saying how many, naming the list', async () => {
    // `input` is a string, strings, tokens or lists of tokens: the strings' bound is what broke.
    const embeddings = await post(
      '/embeddings',
      JSON.stringify({ model: TINY_MODEL, input: Array.from({ length: 2049 }, () => 'a') }),
    );
    assert.deepEqual([embeddings.status, embeddings.body.error.param], [400, 'input']);
    assert.match(embeddings.body.error.message, /2048/);
    // A filter is a comparison or a compound one: the compound's bound is what broke.
    const filters = {
      type: 'or',
      filters: Array.from({ length: 33 }, () => ({ type: 'eq', key: 'k', value: 1 })),
    };
    const search = await post(
      '/responses',
      JSON.stringify({ ...base, tools: [{ type: 'file_search', vector_store_ids: ['vs_1'], filters }] }),
    );
    assert.deepEqual([search.status, search.body.error.param], [400, 'tools[0].filters.filters']);
    assert.match(search.body.error.message, /32/);
  });

  test('grammar groups nested past the limit are a 400 before any work', async () => {
    const answer = await post(
      '/responses',
      JSON.stringify({
        ...base,
        tools: [
          {
            type: 'custom',
            name: 'g',
            format: {
              type: 'grammar',
              syntax: 'regex',
              definition: `${'('.repeat(5_000)}a${')'.repeat(5_000)}`,
            },
          },
        ],
        tool_choice: 'required',
      }),
    );
    assert.equal(answer.status, 400, answer.text.slice(0, 300));
    assert.match(answer.body.error.message, /nested more than/);
  });
});

describe('the binding', () => {
  test('refuses input nested deeper than the limit, and a cycle, with a 400', async () => {
    const ai = createAI({ modelsDirs: [sharedModelsDir], env: {}, dataDir: portico.dataDir });
    try {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      for (const input of [[{ role: 'user', content: 'x', deep: nested(200) }], [cycle]]) {
        await assert.rejects(
          ai.run(TINY_MODEL, { input }),
          (error: unknown) =>
            error instanceof ApiError && error.status === 400 && error.code === 'json_too_deep',
        );
      }
    } finally {
      await ai.close();
    }
  });
});
