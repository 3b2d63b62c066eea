import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIError } from 'openai';
import type { ResponseFunctionToolCall, ResponseInputItem } from 'openai/resources/responses/responses';
import type { TestPortico } from './support/portico.ts';
import type { ReplayServer } from './support/replay-server.ts';
import { SCRIPTED_MODEL, startScriptedPortico, type ScriptedPortico } from './support/scripted-portico.ts';

const MODEL = SCRIPTED_MODEL;
const TOOLS = [
  {
    type: 'function' as const,
    name: 'lookup',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
    strict: true,
  },
];

/** The item types the upstream was given, in order, with a function call's name and call id. */
function given(body: unknown): string[] {
  return (body as { input: Array<Record<string, unknown>> }).input.map((item) =>
    item.type === 'function_call'
      ? `function_call ${String(item.name)} ${String(item.call_id)}`
      : String(item.type ?? item.role),
  );
}

describe('item_reference input items', () => {
  let scripted: ScriptedPortico;
  let upstream: ReplayServer;
  let portico: TestPortico;

  before(async () => {
    // Calls the tool until it has its output, then answers.
    scripted = await startScriptedPortico(({ input }) =>
      input.some((item) => item.type === 'function_call_output')
        ? [{ type: 'message', text: 'found it' }]
        : [{ type: 'function_call', name: 'lookup', arguments: '{}' }],
    );
    ({ upstream, portico } = scripted);
  });

  after(() => scripted.stop());

  test("a client that sends its whole conversation names the server's items by id", async () => {
    const first = await portico.client.responses.create({ model: MODEL, input: 'Find it.', tools: TOOLS });
    const call = first.output[0] as ResponseFunctionToolCall;
    assert.equal(call.type, 'function_call');
    const [asked] = (await portico.client.responses.inputItems.list(first.id)).data;
    const input: ResponseInputItem[] = [
      { type: 'item_reference', id: asked!.id },
      { type: 'item_reference', id: call.id! },
      { type: 'function_call_output', call_id: call.call_id, output: '42' },
    ];
    const second = await portico.client.responses.create({ model: MODEL, input, tools: TOOLS });
    assert.equal(second.output_text, 'found it');
    assert.deepEqual(given(upstream.requests.at(-1)!.json), [
      'message',
      `function_call lookup ${call.call_id}`,
      'function_call_output',
    ]);
    // The stored input holds the items themselves, under their own ids.
    const stored = (await portico.client.responses.inputItems.list(second.id, { order: 'asc' })).data;
    assert.deepEqual(
      stored.map((item) => [item.type, item.id]),
      [
        ['message', asked!.id],
        ['function_call', call.id],
        ['function_call_output', stored[2]!.id],
      ],
    );
  });

  test('an id that names no stored item is a 400 naming the reference', async () => {
    const unstored = await portico.client.responses.create({
      model: MODEL,
      input: 'Find it.',
      tools: TOOLS,
      store: false,
    });
    for (const id of ['fc_none', unstored.output[0]!.id!]) {
      const failed = await portico.client.responses
        .create({
          model: MODEL,
          input: [
            { role: 'user', content: 'x' },
            { type: 'item_reference', id },
          ],
        })
        .catch((error: unknown) => error);
      assert.ok(failed instanceof APIError, String(failed));
      assert.equal(failed.status, 400);
      assert.equal(failed.code, 'item_not_found');
      assert.equal(failed.param, 'input[1].id');
    }
  });
});

describe('item_reference in the Conversations API', () => {
  let scripted: ScriptedPortico;
  let portico: TestPortico;

  before(async () => {
    scripted = await startScriptedPortico(() => [{ type: 'message', text: 'noted' }]);
    ({ portico } = scripted);
  });

  after(() => scripted.stop());

  test("a conversation is made and extended from items by reference: a response's, then its own", async () => {
    const response = await portico.client.responses.create({ model: MODEL, input: 'Remember 7.' });
    const answer = response.output[0]!;
    const conversation = await portico.client.conversations.create({
      items: [{ type: 'item_reference', id: answer.id! }],
    });
    const first = (await portico.client.conversations.items.list(conversation.id)).data;
    assert.deepEqual(
      first.map((item) => [item.type, item.id]),
      [['message', answer.id]],
    );
    assert.deepEqual((first[0] as { content: unknown }).content, (answer as { content: unknown }).content);

    // The conversation's own item, named again, is added again (a copy, as a sent item is).
    const added = await portico.client.conversations.items.create(conversation.id, {
      items: [
        { type: 'item_reference', id: answer.id! },
        { role: 'user', content: 'And 8.' },
      ],
    });
    assert.deepEqual(
      added.data.map((item) => item.type),
      ['message', 'message'],
    );
    assert.equal(added.data[0]!.id, answer.id);

    // A response in the conversation reads the referenced items as its history.
    const next = await portico.client.responses.create({
      model: MODEL,
      conversation: conversation.id,
      input: 'Go on.',
    });
    assert.equal(next.output_text, 'noted');
    const sent = (scripted.upstream.requests.at(-1)!.json as { input: Array<{ role?: string }> }).input;
    assert.deepEqual(
      sent.map((item) => item.role),
      ['assistant', 'assistant', 'user', 'user'],
    );
  });

  test('an id that names no stored item is a 400 naming items[i].id, and nothing is added', async () => {
    const conversation = await portico.client.conversations.create({});
    const failed = await portico.client.conversations.items
      .create(conversation.id, {
        items: [
          { role: 'user', content: 'x' },
          { type: 'item_reference', id: 'msg_nowhere' },
        ],
      })
      .catch((error: unknown) => error);
    assert.ok(failed instanceof APIError, String(failed));
    assert.equal(failed.status, 400);
    assert.equal(failed.code, 'item_not_found');
    assert.equal(failed.param, 'items[1].id');
    assert.equal((await portico.client.conversations.items.list(conversation.id)).data.length, 0);

    const refused = await portico.client.conversations
      .create({ items: [{ type: 'item_reference', id: 'msg_nowhere' }] })
      .catch((error: unknown) => error);
    assert.ok(refused instanceof APIError, String(refused));
    assert.equal(refused.param, 'items[0].id');
  });
});
