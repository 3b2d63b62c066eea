import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Turn } from '../src/providers/provider.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { assertMatchesSchema } from './support/openapi-validator.ts';
import { projectClients } from './support/project-keys.ts';
import { scriptedModel, ScriptedProvider, textEvents } from './support/scripted-provider.ts';

/** What a turn's messages say, one line each: `role: text`, an image as `[image]`. */
function said(turn: Turn): string[] {
  return turn.items.map((item) =>
    item.type === 'message'
      ? `${item.role}: ${item.content.map((part) => ('text' in part ? part.text : `[${part.type}]`)).join('')}`
      : item.type,
  );
}

const SUPPORT = {
  model: 'test/echo',
  instructions: 'You answer for {{company}}. Be {{tone}}.',
  input: [
    { role: 'user', content: 'Who are you?' },
    { role: 'assistant', content: 'The {{company}} assistant.' },
  ],
  temperature: 0.25,
  variables: { tone: 'brief' },
};

describe('a stored prompt in a Responses request', () => {
  let gateway: GatewayUnderTest;
  const provider = new ScriptedProvider(() => textEvents('Hello.', 7));
  const turns = () => provider.turns;
  let id: string;

  const createPrompt = async (template: unknown): Promise<string> => {
    const created = await gateway.request('POST', '/v1/prompts', { name: 'support', template });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    return created.json.id as string;
  };

  before(async () => {
    gateway = await startGateway({
      models: [
        scriptedModel('test/echo', 'scripted'),
        scriptedModel('test/other', 'scripted'),
        { ...scriptedModel('test/small', 'scripted'), contextWindow: 400 },
      ],
      providers: new Map([['scripted', provider]]),
    });
    id = await createPrompt(SUPPORT);
  });
  after(() => gateway.stop());

  test("the SDK's prompt runs the prompt's model with its messages first, echoed as the instructions", async () => {
    const response = await gateway.client().responses.create({
      prompt: { id, variables: { company: 'Acme' } },
      input: 'Where is my order?',
    } as never);
    assertMatchesSchema('Response', response);
    assert.equal(response.model, 'test/echo');
    assert.equal(response.temperature, 0.25);
    assert.deepEqual(response.prompt, { id, version: '1', variables: { company: 'Acme' } });
    assert.deepEqual(response.instructions, [
      { type: 'message', role: 'developer', content: 'You answer for Acme. Be brief.' },
      { type: 'message', role: 'user', content: 'Who are you?' },
      { type: 'message', role: 'assistant', content: 'The Acme assistant.' },
    ]);
    const turn = turns().at(-1)!;
    assert.equal(turn.instructions, undefined);
    assert.equal(turn.sampling.temperature, 0.25);
    assert.deepEqual(said(turn), [
      'developer: You answer for Acme. Be brief.',
      'user: Who are you?',
      'assistant: The Acme assistant.',
      'user: Where is my order?',
    ]);
    // The prompt's messages are instructions: not the response's input, not inherited.
    const items = await gateway.client().responses.inputItems.list(response.id);
    assert.equal(items.data.length, 1);
    await gateway.client().responses.create({
      model: 'test/echo',
      previous_response_id: response.id,
      input: 'And now?',
    });
    assert.deepEqual(said(turns().at(-1)!), [
      'user: Where is my order?',
      'assistant: Hello.',
      'user: And now?',
    ]);
    const stored = await gateway.client().responses.retrieve(response.id);
    assert.deepEqual(stored.instructions, response.instructions);
    assert.deepEqual(stored.prompt, response.prompt);
  });

  test("the request's own model, parameters and instructions win over the prompt's", async () => {
    const response = await gateway.client().responses.create({
      model: 'test/other',
      temperature: 1.5,
      instructions: 'Answer in French.',
      prompt: { id, variables: { company: 'Acme', tone: 'warm' } },
      input: 'Bonjour',
    });
    assert.equal(response.model, 'test/other');
    assert.equal(response.temperature, 1.5);
    assert.deepEqual(said(turns().at(-1)!).slice(0, 2), [
      'developer: Answer in French.',
      'user: Who are you?',
    ]);
  });

  test('a request without a version uses the latest; a version pins one', async () => {
    const added = await gateway.request('POST', `/v1/prompts/${id}/versions`, {
      template: { ...SUPPORT, instructions: 'Version two for {{company}}.', variables: null },
    });
    assert.equal(added.status, 200, JSON.stringify(added.json));
    const latest = await gateway
      .client()
      .responses.create({ prompt: { id, variables: { company: 'Acme' } }, input: 'Hi' } as never);
    assert.equal(latest.prompt?.version, '2');
    assert.equal(said(turns().at(-1)!)[0], 'developer: Version two for Acme.');
    const first = await gateway.client().responses.create({
      prompt: { id, version: '1', variables: { company: 'Acme' } },
      input: 'Hi',
    } as never);
    assert.equal(first.prompt?.version, '1');
    assert.equal(said(turns().at(-1)!)[0], 'developer: You answer for Acme. Be brief.');
  });

  test('an unknown prompt, version or variable is an error naming the parameter, before any model runs', async () => {
    const before = turns().length;
    const cases: Array<[unknown, number, string, string]> = [
      [{ id: 'pmpt_none' }, 404, 'prompt.id', 'prompt_not_found'],
      [{ id, version: '9', variables: { company: 'A' } }, 404, 'prompt.version', 'prompt_not_found'],
      [{ id, version: 'v1' }, 400, 'prompt.version', 'invalid_request_error'],
      [{ id, version: '1' }, 400, 'prompt.variables.company', 'missing_required_parameter'],
      [
        { id, variables: { company: 'A', colour: 'red' } },
        400,
        'prompt.variables.colour',
        'unknown_parameter',
      ],
      [{ id, variables: { company: 7 } }, 400, 'prompt.variables.company', 'invalid_value'],
    ];
    for (const [prompt, status, param, code] of cases) {
      const answer = await gateway.request('POST', '/v1/responses', { prompt, input: 'Hi' });
      assert.equal(answer.status, status, JSON.stringify(answer.json));
      const error = answer.json.error as Record<string, unknown>;
      assert.equal(error.param, param);
      if (code !== 'invalid_request_error') assert.equal(error.code, code);
    }
    const noModel = await gateway.request('POST', '/v1/responses', { input: 'Hi' });
    assert.equal(noModel.status, 400);
    assert.equal((noModel.json.error as Record<string, unknown>).param, 'model');
    assert.equal(turns().length, before);
  });

  test('streamed, the first event already carries the prompt and its messages', async () => {
    const stream = await gateway.client().responses.create({
      prompt: { id, version: '1', variables: { company: 'Acme' } },
      input: 'Hi',
      stream: true,
    } as never);
    const events = [];
    for await (const event of stream as unknown as AsyncIterable<{
      type: string;
      response?: Record<string, unknown>;
    }>)
      events.push(event);
    const created = events[0]!;
    assert.equal(created.type, 'response.created');
    assertMatchesSchema('ResponseStreamEvent', created);
    assert.equal((created.response!.prompt as { version: string }).version, '1');
    assert.equal((created.response!.instructions as unknown[]).length, 3);
  });

  test('an image variable reaches the model as an image part', async () => {
    const photo = await createPrompt({
      model: 'test/echo',
      input: [{ role: 'user', content: 'Describe {{photo}}' }],
    });
    const image = { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' };
    await gateway.client().responses.create({ prompt: { id: photo, variables: { photo: image } } } as never);
    assert.deepEqual(said(turns().at(-1)!), ['user: Describe [input_image]']);
  });

  test('truncation drops the oldest history, never the prompt', async () => {
    const long = 'word '.repeat(300);
    const first = await gateway.client().responses.create({ model: 'test/small', input: long });
    await gateway.client().responses.create({
      model: 'test/small',
      prompt: { id, version: '1', variables: { company: 'Acme' } },
      previous_response_id: first.id,
      truncation: 'auto',
      max_output_tokens: 20,
      input: 'Short question?',
    } as never);
    assert.deepEqual(said(turns().at(-1)!), [
      'developer: You answer for Acme. Be brief.',
      'user: Who are you?',
      'assistant: The Acme assistant.',
      'user: Short question?',
    ]);
  });

  test('a background response keeps the prompt as it was rendered when queued', async () => {
    const queued = await gateway.client().responses.create({
      prompt: { id, variables: { company: 'Globex' } },
      input: 'Hi',
      background: true,
    } as never);
    let done = queued;
    while (done.status === 'queued' || done.status === 'in_progress') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = await gateway.client().responses.retrieve(queued.id);
    }
    assert.equal(done.status, 'completed');
    assert.equal(done.prompt?.version, '2');
    assert.deepEqual(said(turns().at(-1)!)[0], 'developer: Version two for Globex.');
  });

  test('the cache tells apart what the variables fill in', async () => {
    const ask = (company: string) =>
      gateway.request(
        'POST',
        '/v1/responses',
        { prompt: { id, variables: { company } }, input: 'Hi' },
        {
          'cf-aig-cache-ttl': '60',
        },
      );
    assert.equal((await ask('Initech')).headers.get('cf-aig-cache-status'), 'MISS');
    assert.equal((await ask('Initech')).headers.get('cf-aig-cache-status'), 'HIT');
    assert.equal((await ask('Umbrella')).headers.get('cf-aig-cache-status'), 'MISS');
  });

  test("another project's key cannot use the prompt", async () => {
    const { clients } = await projectClients(gateway, ['blue']);
    const refused = await clients
      .blue!.responses.create({ prompt: { id, variables: { company: 'A' } }, input: 'Hi' } as never)
      .catch((error: { status: number; param?: string }) => error);
    assert.equal((refused as { status: number }).status, 404);
  });
});
