import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicClient } from './support/anthropic-messages.ts';
import { openSocket } from './support/socket-client.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { projectClients } from './support/project-keys.ts';
import { loadFixture, startReplayServer, type ReplayServer } from './support/replay-server.ts';

// A file uploaded to Portico and named by `file_id` in a response's input reaches each kind of
// upstream as its bytes; the stored input keeps the id. Upstreams are replayed on a loopback
// port, which records what Portico sent.

const fixture = (protocol: string, name: string) =>
  loadFixture(new URL(`./fixtures/${protocol}/${name}.json`, import.meta.url));
const ANSWERS: Record<string, [string, string]> = {
  '/v1/responses': ['openai', 'text'],
  '/v1/chat/completions': ['chat-completions', 'text'],
  '/v1/messages': ['anthropic', 'text'],
};

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const PDF_URL = `data:application/pdf;base64,${PDF.toString('base64')}`;
const PNG_URL = `data:image/png;base64,${PNG.toString('base64')}`;

let upstream: ReplayServer;
let gateway: GatewayUnderTest;
let alpha: OpenAI;
let beta: OpenAI;
/** The Messages API as project alpha. */
let claude: Anthropic;
/** Project alpha's `authorization` header, for clients other than the SDKs. */
let alphaHeaders: Record<string, string>;
let pdf: string;
let png: string;

before(async () => {
  upstream = await startReplayServer((request) => {
    const [protocol, name] = ANSWERS[request.url.split('?')[0]!] ?? ['openai', 'text'];
    const streamed = (request.json as { stream?: boolean } | undefined)?.stream === true;
    return fixture(protocol, streamed ? name : `answer-${name}`);
  });
  const model = (id: string, provider: string) => ({
    id,
    provider,
    context_window: 100_000,
    capabilities: { vision: true },
  });
  gateway = await startGateway({
    config: {
      providers: {
        oai: { type: 'openai', base_url: `${upstream.url}/v1`, api_key_env: 'FILES_TEST_KEY' },
        chat: { type: 'chat-completions', base_url: `${upstream.url}/v1` },
        claude: { type: 'anthropic', base_url: upstream.url, api_key_env: 'FILES_TEST_KEY' },
      },
      models: [model('oai/model', 'oai'), model('chat/model', 'chat'), model('claude/model', 'claude')],
    },
    env: { FILES_TEST_KEY: 'sk-files-test-0123456789' },
  });
  const made = await projectClients(gateway, ['alpha', 'beta']);
  [alpha, beta] = [made.clients.alpha!, made.clients.beta!];
  alphaHeaders = made.headers.alpha!;
  claude = anthropicClient(gateway.url, alphaHeaders.authorization!.slice('Bearer '.length));
  pdf = (await alpha.files.create({ file: await toFile(PDF, 'doc.pdf'), purpose: 'user_data' })).id;
  png = (await alpha.files.create({ file: await toFile(PNG, 'pic.png'), purpose: 'vision' })).id;
});
after(async () => {
  await gateway.stop();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

/** The body of the one request Portico sent upstream. */
function sent(): Record<string, unknown> {
  assert.equal(upstream.requests.length, 1, 'one upstream request');
  return upstream.requests[0]!.json as Record<string, unknown>;
}

const withFiles = (): OpenAI.Responses.ResponseInput => [
  {
    role: 'user',
    content: [
      { type: 'input_text', text: 'What do these show?' },
      { type: 'input_file', file_id: pdf },
      { type: 'input_image', file_id: png, detail: 'high' },
    ],
  },
];

/** The status, param, code and message of a refused request. */
async function refusal(request: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await request.then(
    () => assert.fail('expected a 400'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof OpenAI.APIError, String(error));
  const body = error.error as { message?: string } | undefined;
  return { status: error.status, param: error.param, code: error.code, message: body?.message };
}

describe('a file named by file_id in a response', () => {
  test('reaches an OpenAI upstream as file_data and an image_url data URL, without the id; the stored input keeps it', async () => {
    const response = await alpha.responses.create({ model: 'oai/model', input: withFiles() });
    assert.equal(response.status, 'completed');
    const input = sent().input as Array<{ content: unknown[] }>;
    assert.deepEqual(input[0]!.content, [
      { type: 'input_text', text: 'What do these show?' },
      { type: 'input_file', file_data: PDF_URL, filename: 'doc.pdf' },
      { type: 'input_image', image_url: PNG_URL, detail: 'high' },
    ]);
    const items = await alpha.responses.inputItems.list(response.id);
    const message = items.data[0] as unknown as { content: Array<Record<string, unknown>> };
    assert.deepEqual(message.content.slice(1), [
      { type: 'input_file', file_id: pdf },
      { type: 'input_image', file_id: png, detail: 'high' },
    ]);
  });

  test('reaches Anthropic as a PDF document block and a base64 image block', async () => {
    const response = await alpha.responses.create({ model: 'claude/model', input: withFiles() });
    assert.equal(response.status, 'completed');
    const messages = sent().messages as Array<{ content: unknown[] }>;
    assert.deepEqual(messages[0]!.content.slice(1), [
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') },
        title: 'doc.pdf',
      },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } },
    ]);
  });

  test('reaches a chat-completions upstream as a file part with file_data and an image_url part', async () => {
    const response = await alpha.responses.create({ model: 'chat/model', input: withFiles() });
    assert.equal(response.status, 'completed');
    const messages = sent().messages as Array<{ content: unknown[] }>;
    assert.deepEqual(messages.at(-1)!.content.slice(1), [
      { type: 'file', file: { file_data: PDF_URL, filename: 'doc.pdf' } },
      { type: 'image_url', image_url: { url: PNG_URL, detail: 'high' } },
    ]);
  });

  test('a background response is checked when queued and reads its files when it runs', async () => {
    const queued = await alpha.responses.create({ model: 'oai/model', input: withFiles(), background: true });
    assert.equal(queued.status, 'queued');
    let response = queued;
    for (let tries = 0; tries < 200 && !['completed', 'failed'].includes(response.status ?? ''); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      response = await alpha.responses.retrieve(queued.id);
    }
    assert.equal(response.status, 'completed');
    const input = sent().input as Array<{ content: unknown[] }>;
    assert.deepEqual(input[0]!.content.slice(1), [
      { type: 'input_file', file_data: PDF_URL, filename: 'doc.pdf' },
      { type: 'input_image', image_url: PNG_URL, detail: 'high' },
    ]);
  });

  test("in a function call's output list, an image is sent by value too", async () => {
    await alpha.responses.create({
      model: 'oai/model',
      input: [
        { type: 'function_call', call_id: 'call_1', name: 'snapshot', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_image', file_id: png }] },
      ],
    });
    const input = sent().input as Array<{ type: string; output?: unknown }>;
    assert.deepEqual(input[1]!.output, [{ type: 'input_image', image_url: PNG_URL, detail: 'auto' }]);
  });

  test("another project's file and a made-up id are the same 400, naming the part; nothing goes upstream", async () => {
    const theirs = (await beta.files.create({ file: await toFile(PDF, 'beta.pdf'), purpose: 'user_data' }))
      .id;
    const ask = (id: string) =>
      refusal(
        alpha.responses.create({
          model: 'claude/model',
          input: [
            {
              role: 'user',
              content: [
                { type: 'input_text', text: 'Read it.' },
                { type: 'input_file', file_id: id },
              ],
            },
          ],
        }),
      );
    const other = await ask(theirs);
    const madeUp = await ask('file-doesnotexist');
    const param = 'input[0].content[1].file_id';
    assert.deepEqual(other, {
      status: 400,
      param,
      code: 'file_not_found',
      message: `${param}: No file found with id '${theirs}'.`,
    });
    assert.deepEqual(madeUp, { ...other, message: `${param}: No file found with id 'file-doesnotexist'.` });
    assert.equal(upstream.requests.length, 0);
    // Counting the input's tokens reads the same context, and refuses it the same way.
    assert.deepEqual(
      await refusal(
        alpha.responses.inputTokens.count({
          model: 'oai/model',
          input: [{ role: 'user', content: [{ type: 'input_file', file_id: theirs }] }],
        }),
      ),
      {
        ...other,
        param: 'input[0].content[0].file_id',
        message: `input[0].content[0].file_id: No file found with id '${theirs}'.`,
      },
    );
  });

  test('an input_image naming a file that is not an image is a 400 naming the part', async () => {
    const refused = await refusal(
      alpha.responses.create({
        model: 'oai/model',
        input: [{ role: 'user', content: [{ type: 'input_image', file_id: pdf, detail: 'auto' }] }],
      }),
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.param, 'input[0].content[0].file_id');
    assert.match(String(refused.message), /is not an image/);
  });

  test("a previous_response_id chain sends the earlier turn's file again; once deleted, a note and a warning", async () => {
    const doc = (await alpha.files.create({ file: await toFile(PDF, 'chain.pdf'), purpose: 'user_data' })).id;
    const first = await alpha.responses.create({
      model: 'oai/model',
      input: [{ role: 'user', content: [{ type: 'input_file', file_id: doc }] }],
    });
    upstream.requests.length = 0;
    const second = await alpha.responses.create({
      model: 'oai/model',
      previous_response_id: first.id,
      input: 'And its title?',
    });
    assert.equal(second.status, 'completed');
    const input = sent().input as Array<{ content: unknown[] }>;
    assert.deepEqual(input[0]!.content, [{ type: 'input_file', file_data: PDF_URL, filename: 'chain.pdf' }]);

    await alpha.files.delete(doc);
    upstream.requests.length = 0;
    const { data: third, response } = await alpha.responses
      .create({ model: 'oai/model', previous_response_id: second.id, input: 'Still there?' })
      .withResponse();
    assert.equal(third.status, 'completed');
    const later = sent().input as Array<{ content: unknown[] }>;
    assert.deepEqual(later[0]!.content, [
      { type: 'input_text', text: `[The file ${doc} is no longer available.]` },
    ]);
    assert.match(
      response.headers.get('x-portico-warnings') ?? '',
      new RegExp(
        `previous_response_id \\(context item 0, content\\[0\\]\\.file_id\\): No file found with id '${doc}'`,
      ),
    );
  });
});

describe('a file named by file_id in a conversation', () => {
  test('is sent by value on each turn that reads the conversation, whose items keep the id', async () => {
    const conversation = await alpha.conversations.create({
      items: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_id: pdf }] }],
    });
    const response = await alpha.responses.create({
      model: 'claude/model',
      conversation: conversation.id,
      input: 'What is in it?',
    });
    assert.equal(response.status, 'completed');
    const messages = sent().messages as Array<{ content: Array<Record<string, unknown>> }>;
    assert.deepEqual(messages[0]!.content[0], {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') },
      title: 'doc.pdf',
    });
    const items = await alpha.conversations.items.list(conversation.id, { order: 'asc' });
    const first = items.data[0] as unknown as { content: Array<Record<string, unknown>> };
    assert.deepEqual(first.content, [{ type: 'input_file', file_id: pdf }]);
  });
});

describe('a file named by file_id in a Chat Completions request', () => {
  test('reaches the upstream by value, and an unknown id is a 400 naming the chat part', async () => {
    const completion = await alpha.chat.completions.create({
      model: 'oai/model',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarize.' },
            { type: 'file', file: { file_id: pdf } },
          ],
        },
      ],
    });
    assert.ok(completion.choices[0]);
    const input = sent().input as Array<{ content: unknown[] }>;
    assert.deepEqual(input[0]!.content[1], { type: 'input_file', file_data: PDF_URL, filename: 'doc.pdf' });

    const refused = await refusal(
      alpha.chat.completions.create({
        model: 'oai/model',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'file', file: { file_id: 'file-nope' } }] },
        ],
      }),
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.param, 'messages[1].content[0].file.file_id');
    assert.equal(refused.message, "messages[1].content[0].file.file_id: No file found with id 'file-nope'.");
  });
});

describe('a file named by file_id in a Messages API request', () => {
  test('a document or image block with a file source reaches the upstream by value; an unknown id is a 400 naming the source', async () => {
    const message = await claude.messages.create({
      model: 'oai/model',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare.' },
            { type: 'document', source: { type: 'file', file_id: pdf } },
            { type: 'image', source: { type: 'file', file_id: png } },
          ],
        },
      ],
    });
    assert.equal(message.type, 'message');
    const input = sent().input as Array<{ content: unknown[] }>;
    assert.deepEqual(input[0]!.content.slice(1), [
      { type: 'input_file', file_data: PDF_URL, filename: 'doc.pdf' },
      { type: 'input_image', image_url: PNG_URL, detail: 'auto' },
    ]);

    const error = await claude.messages
      .create({
        model: 'oai/model',
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'Hello.' },
          { role: 'assistant', content: 'Hi.' },
          { role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'file-nope' } }] },
        ],
      })
      .then(
        () => assert.fail('expected a 400'),
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof Anthropic.APIError, String(error));
    assert.equal(error.status, 400);
    const body = error.error as { error?: { message?: string } };
    assert.equal(
      body.error?.message,
      "messages[2].content[0].source.file_id: No file found with id 'file-nope'.",
    );
  });
});

describe('an image or file part with no source', () => {
  const IMAGE_SOURCES = 'give image_url (a URL or a data URL) or file_id (a file uploaded to Portico).';
  const FILE_SOURCES =
    'give file_data (a base64 data URL), file_url or file_id (a file uploaded to Portico).';
  /** The 400 for a part at `param` with no source: it names the part and the fields that give one. */
  const noSource = (param: string, type: 'input_image' | 'input_file') => ({
    status: 400,
    param,
    code: 'missing_required_parameter',
    message: `${param}: an ${type} part needs a source: ${type === 'input_image' ? IMAGE_SOURCES : FILE_SOURCES}`,
  });
  const asking = (part: OpenAI.Responses.ResponseInputContent): OpenAI.Responses.ResponseInput => [
    { role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, part] },
  ];

  test('is a 400 naming the part in a response, its token count and a background response; nothing goes upstream', async () => {
    const shapes: Array<[OpenAI.Responses.ResponseInputContent, 'input_image' | 'input_file']> = [
      [{ type: 'input_image', detail: 'auto' }, 'input_image'],
      [{ type: 'input_image', detail: 'high', image_url: '', file_id: null }, 'input_image'],
      [{ type: 'input_file' }, 'input_file'],
      [
        // The wire allows null for "not set", which the SDK's types for input_file leave out.
        { type: 'input_file', filename: 'notes.pdf', file_data: null, file_id: '', file_url: null } as never,
        'input_file',
      ],
    ];
    for (const [part, type] of shapes) {
      const expected = noSource('input[0].content[1]', type);
      for (const model of ['oai/model', 'chat/model', 'claude/model'])
        assert.deepEqual(
          await refusal(alpha.responses.create({ model, input: asking(part) })),
          expected,
          model,
        );
      assert.deepEqual(
        await refusal(alpha.responses.inputTokens.count({ model: 'oai/model', input: asking(part) })),
        expected,
      );
      assert.deepEqual(
        await refusal(alpha.responses.create({ model: 'oai/model', input: asking(part), background: true })),
        expected,
      );
    }
    assert.equal(upstream.requests.length, 0);
    // A part with its source goes through, however it gives it.
    const response = await alpha.responses.create({
      model: 'chat/model',
      input: asking({ type: 'input_image', image_url: PNG_URL, detail: 'auto' }),
    });
    assert.equal(response.status, 'completed');
  });

  test("in a function call's output list, it is named by its place in the output", async () => {
    const refused = await refusal(
      alpha.responses.create({
        model: 'oai/model',
        input: [
          { type: 'function_call', call_id: 'call_1', name: 'snapshot', arguments: '{}' },
          {
            type: 'function_call_output',
            call_id: 'call_1',
            output: [
              { type: 'input_text', text: 'Here:' },
              { type: 'input_image', detail: 'low' },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(refused, noSource('input[1].output[1]', 'input_image'));
    assert.equal(upstream.requests.length, 0);
  });

  test('is an error message naming the part over the WebSocket mode, and the connection stays usable', async () => {
    const socket = await openSocket(gateway.url, alphaHeaders);
    try {
      socket.create({ model: 'oai/model', input: asking({ type: 'input_file', filename: 'a.pdf' }) });
      const [error] = await socket.turn();
      assert.equal(error!.type, 'error');
      const { status, ...body } = noSource('input[0].content[1]', 'input_file');
      assert.equal(error!.status, status);
      assert.deepEqual(error!.error, { type: 'invalid_request_error', ...body });
      socket.create({ model: 'oai/model', input: 'Hello.' });
      assert.equal((await socket.turn()).at(-1)!.type, 'response.completed');
    } finally {
      socket.close();
    }
  });

  test('is a 400 naming the item when a conversation is made or an item added, and nothing is stored', async () => {
    const item = {
      type: 'message' as const,
      role: 'user' as const,
      content: [{ type: 'input_file' as const }],
    };
    assert.deepEqual(
      await refusal(alpha.conversations.create({ items: [item] })),
      noSource('items[0].content[0]', 'input_file'),
    );
    const conversation = await alpha.conversations.create({});
    assert.deepEqual(
      await refusal(
        alpha.conversations.items.create(conversation.id, {
          items: [{ role: 'user', content: 'Hi.' }, item],
        }),
      ),
      noSource('items[1].content[0]', 'input_file'),
    );
    assert.deepEqual((await alpha.conversations.items.list(conversation.id)).data, []);
  });

  test('in a Chat Completions request, a file part with neither file_data nor file_id is a 400 naming the chat part', async () => {
    const refused = await refusal(
      alpha.chat.completions.create({
        model: 'chat/model',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf' } }] },
        ],
      }),
    );
    assert.deepEqual(refused, noSource('messages[1].content[0]', 'input_file'));
    assert.equal(upstream.requests.length, 0);
  });
});
