import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, OpenAIResponsesModel, run } from '@openai/agents';
import OpenAI from 'openai';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { startPortico, TINY_MODEL, type TestPortico } from './support/portico.ts';

let portico: TestPortico;
let client: OpenAI;

before(async () => {
  portico = await startPortico();
  client = portico.client;
});
after(() => portico.stop());

async function getJson(path: string): Promise<unknown> {
  const answer = await fetch(`${portico.server.url}${path}`);
  assert.equal(answer.status, 200);
  return answer.json();
}

const ids = (items: ReadonlyArray<{ id?: string }>) => items.map((item) => item.id);

function text(item: unknown): string {
  const content = (item as { content?: Array<{ text?: string }> }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

describe('the Conversations API, through the official SDK', () => {
  test('create with items and metadata, retrieve, update, delete', async () => {
    const created = await client.conversations.create({
      metadata: { topic: 'stories' },
      items: [
        { type: 'message', role: 'user', content: 'Tell me about Lily.' },
        { type: 'message', role: 'assistant', content: 'Lily was a little girl.' },
      ],
    });
    assertMatchesSchema('ConversationResource', created);
    assert.match(created.id, /^conv_/);
    assert.deepEqual(created.metadata, { topic: 'stories' });
    assert.deepEqual(await client.conversations.retrieve(created.id), created);
    const updated = await client.conversations.update(created.id, { metadata: { topic: 'tales' } });
    assert.deepEqual(updated, { ...created, metadata: { topic: 'tales' } });
    const items = await client.conversations.items.list(created.id, { order: 'asc' });
    assertMatchesSchema('ConversationItemList', await getJson(`/v1/conversations/${created.id}/items`));
    assert.deepEqual(
      items.data.map((item) => [item.type, (item as { role?: string }).role, text(item)]),
      [
        ['message', 'user', 'Tell me about Lily.'],
        ['message', 'assistant', 'Lily was a little girl.'],
      ],
    );
    const deleted = await client.conversations.delete(created.id);
    assertMatchesSchema('DeletedConversationResource', deleted);
    assert.deepEqual(deleted, { id: created.id, object: 'conversation.deleted', deleted: true });
    await assert.rejects(client.conversations.retrieve(created.id), { status: 404 });
    await assert.rejects(client.conversations.items.list(created.id), { status: 404 });
  });

  test('items: create, list in pages, retrieve, delete', async () => {
    const conversation = await client.conversations.create({});
    const added = await client.conversations.items.create(conversation.id, {
      items: [1, 2, 3, 4, 5].map((n) => ({
        type: 'message' as const,
        role: 'user' as const,
        content: `item ${n}`,
      })),
    });
    assertMatchesSchema('ConversationItemList', added);
    assert.equal(added.data.length, 5);
    const [first, second, third] = added.data;
    const page = await client.conversations.items.list(conversation.id, { limit: 2, order: 'asc' });
    assert.deepEqual([ids(page.data), page.has_more], [[first!.id, second!.id], true]);
    const all: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { limit: 2 }))
      all.push(item.id!);
    assert.deepEqual(
      all,
      ids(added.data).reverse(),
      'the SDK pages through every item, newest first by default',
    );
    const one = await client.conversations.items.retrieve(third!.id!, { conversation_id: conversation.id });
    assertMatchesSchema('ConversationItem', one);
    assert.equal(text(one), 'item 3');
    const after = await client.conversations.items.delete(third!.id!, { conversation_id: conversation.id });
    assertMatchesSchema('ConversationResource', after);
    assert.equal(after.id, conversation.id);
    await assert.rejects(
      client.conversations.items.retrieve(third!.id!, { conversation_id: conversation.id }),
      {
        status: 404,
      },
    );
    const left = await client.conversations.items.list(conversation.id, { order: 'asc' });
    assert.equal(left.data.length, 4);
  });

  test('bad input is a 400 naming the parameter; more than 20 items at once is refused', async () => {
    const conversation = await client.conversations.create({});
    // The body of a create may be left out, as the spec has it.
    const bare = await fetch(`${portico.server.url}/v1/conversations`, { method: 'POST' });
    assert.equal(bare.status, 200);
    assertMatchesSchema('ConversationResource', await bare.json());
    const many = Array.from({ length: 21 }, () => ({
      type: 'message' as const,
      role: 'user' as const,
      content: 'x',
    }));
    await assert.rejects(client.conversations.items.create(conversation.id, { items: many }), {
      status: 400,
      param: 'items',
    });
    await assert.rejects(client.conversations.create({ metadata: { ['k'.repeat(65)]: 'v' } }), {
      status: 400,
      param: 'metadata',
    });
    await assert.rejects(client.conversations.items.list(conversation.id, { limit: 101 }), {
      status: 400,
      param: 'limit',
    });
    await assert.rejects(client.conversations.items.list(conversation.id, { after: 'msg_unknown' }), {
      status: 400,
      param: 'after',
    });
  });

  test('a response made in a conversation reads it and appends its input and output', async () => {
    const conversation = await client.conversations.create({
      items: [{ type: 'message', role: 'user', content: 'Once upon a time there was a cat.' }],
    });
    const first = await client.responses.create({
      model: TINY_MODEL,
      conversation: conversation.id,
      input: 'What did the cat do?',
      max_output_tokens: 16,
    });
    assertMatchesSchema('Response', first);
    assert.deepEqual(first.conversation, { id: conversation.id });
    const second = await client.responses.create({
      model: TINY_MODEL,
      conversation: { id: conversation.id },
      input: 'And then?',
      max_output_tokens: 16,
    });
    assert.ok(
      second.usage!.input_tokens > first.usage!.input_tokens,
      'the second response read the first one in its context',
    );
    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    assert.deepEqual(
      items.data.map((item) => (item as { role?: string }).role),
      ['user', 'user', 'assistant', 'user', 'assistant'],
    );
    // A string input is stored as an item like any other, as the schema has conversation items.
    assertMatchesSchema('ConversationItemList', await getJson(`/v1/conversations/${conversation.id}/items`));
    assert.equal(items.data[3]!.id, (await client.responses.inputItems.list(second.id)).data[0]!.id);
    assert.equal(items.data[4]!.id, second.output[0]!.id);
  });

  test('a response whose turn never reached its conversation is not recorded as ended', async (t) => {
    const conversation = await client.conversations.create({});
    // The server dies as its turn is written: whatever was to land with the turn does not.
    t.mock.method(portico.server.runtime.stores.conversations, 'append', async () => {
      throw new Error('killed while the turn was written');
    });
    const stream = await client.responses.create({
      model: TINY_MODEL,
      input: 'Once upon a time',
      conversation: conversation.id,
      max_output_tokens: 4,
      stream: true,
    });
    // The stream breaks off where its end could not be recorded.
    const types: string[] = [];
    let id = '';
    try {
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.created') id = event.response.id;
      }
    } catch {}
    t.mock.restoreAll();
    assert.ok(!types.includes('response.completed') && !types.includes('response.incomplete'), 'no end left');
    assert.equal((await client.responses.retrieve(id)).status, 'in_progress', 'nor was it recorded');
    assert.deepEqual((await client.conversations.items.list(conversation.id)).data, []);
  });

  test('two concurrent responses on one conversation are serialized: neither is interleaved or lost', async () => {
    const conversation = await client.conversations.create({});
    const ask = (question: string) =>
      client.responses.create({
        model: TINY_MODEL,
        conversation: conversation.id,
        input: question,
        max_output_tokens: 12,
      });
    const [a, b] = await Promise.all([ask('Who was Lily?'), ask('Where did Tom go?')]);
    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    assert.equal(items.data.length, 4);
    const turns = [items.data.slice(0, 2), items.data.slice(2, 4)];
    const order = turns.map((turn) => (turn[1]!.id === a.output[0]!.id ? a : b));
    assert.notEqual(order[0], order[1], 'each response appended its own turn, whole');
    for (const [index, turn] of turns.entries())
      assert.deepEqual(ids(turn), [turn[0]!.id, order[index]!.output[0]!.id]);
    const [earlier, later] = order;
    assert.ok(
      later!.usage!.input_tokens > earlier!.usage!.input_tokens + 5,
      'the later response saw the earlier one’s turn',
    );
  });

  test('conversation with previous_response_id is a 400; an unknown conversation a 404', async () => {
    const conversation = await client.conversations.create({});
    const first = await client.responses.create({ model: TINY_MODEL, input: 'Hi', max_output_tokens: 4 });
    await assert.rejects(
      client.responses.create({
        model: TINY_MODEL,
        input: 'Hi',
        conversation: conversation.id,
        previous_response_id: first.id,
      }),
      { status: 400, param: 'conversation' },
    );
    await assert.rejects(
      client.responses.create({ model: TINY_MODEL, input: 'Hi', conversation: 'conv_unknown' }),
      {
        status: 404,
        param: 'conversation',
      },
    );
    // An empty id names nothing: a 400, where it was ignored and the response made outside.
    for (const [given, param] of [
      ['', 'conversation'],
      [{ id: '' }, 'conversation.id'],
      [{ id: conversation.id, extra: 1 }, 'conversation.extra'],
    ] as const)
      await assert.rejects(
        client.responses.create({ model: TINY_MODEL, input: 'Hi', conversation: given as never }),
        { status: 400, param },
      );
  });

  test("the Agents SDK's conversationId keeps the conversation in Portico", async () => {
    const conversation = await client.conversations.create({});
    const agent = new Agent({
      name: 'Storyteller',
      instructions: 'Tell short stories.',
      // The Agents SDK resolves its own copy of the openai types (CommonJS); the client is the same class.
      model: new OpenAIResponsesModel(
        client as unknown as ConstructorParameters<typeof OpenAIResponsesModel>[0],
        TINY_MODEL,
      ),
      modelSettings: { maxTokens: 16 },
    });
    const first = await run(agent, 'Once upon a time', { conversationId: conversation.id });
    assert.ok(typeof first.finalOutput === 'string' && first.finalOutput.length > 0);
    const second = await run(agent, 'What happened next?', { conversationId: conversation.id });
    assert.ok(typeof second.finalOutput === 'string');
    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    assert.deepEqual(
      items.data.map((item) => [(item as { role?: string }).role, item.type]),
      [
        ['user', 'message'],
        ['assistant', 'message'],
        ['user', 'message'],
        ['assistant', 'message'],
      ],
    );
    assert.equal(text(items.data[0]), 'Once upon a time');
    assert.equal(text(items.data[2]), 'What happened next?');
    assert.equal(text(items.data[3]), second.finalOutput);
  });
});
