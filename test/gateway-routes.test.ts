import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../src/api/errors.ts';
import { matchesCondition } from '../src/gateway/match-condition.ts';
import { createAI } from '../src/index.ts';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { ScriptedProvider, scriptedModel } from './support/scripted-provider.ts';

/** Three upstreams: two that answer with their name (the smart one at a price), one that is always down. */
const models = [
  scriptedModel('cheap/small', 'cheap'),
  { ...scriptedModel('smart/large', 'smart'), pricing: { input: 1_000, output: 1_000 } },
  scriptedModel('broken/model', 'broken'),
];
const down = () => [
  new ApiError({ status: 503, type: 'upstream_error', message: 'The upstream is down.', retryable: true }),
];
const providers = () =>
  new Map([
    ['cheap', echoProvider('cheap answered')],
    ['smart', echoProvider('smart answered')],
    ['broken', new ScriptedProvider(down)],
  ]);

const start = (next: string) => ({ id: 'start', type: 'start', outputs: { next: { elementId: next } } });
const end = { id: 'end', type: 'end', outputs: {} };
const model = (id: string, provider: string, name: string, fallback?: string) => ({
  id,
  type: 'model',
  properties: { provider, model: name, timeout: 10_000, retries: 0 },
  outputs: { success: { elementId: 'end' }, ...(fallback ? { fallback: { elementId: fallback } } : {}) },
});

/** A route from `start` through `middle` to the smart or the cheap model. */
const twoModels = (name: string, middle: Record<string, unknown> & { id: string }) => ({
  name,
  elements: [
    start(middle.id),
    middle,
    model('smart', 'smart', 'large'),
    model('cheap', 'cheap', 'small'),
    end,
  ],
});
const to = (elementId: string) => ({ elementId });

const ROUTES = [
  twoModels('tiers', {
    id: 'plan',
    type: 'conditional',
    properties: { conditions: { 'metadata.plan': { $eq: 'paid' } } },
    outputs: { true: to('smart'), false: to('cheap') },
  }),
  twoModels('split', { id: 'share', type: 'percentage', outputs: { '30%': to('cheap'), else: to('smart') } }),
  twoModels('limited', {
    id: 'quota',
    type: 'rate_limit',
    properties: { limitType: 'count', key: 'metadata.user', limit: 2, interval: 3600, technique: 'sliding' },
    outputs: { success: to('smart'), fallback: to('cheap') },
  }),
  // Cloudflare's API schema (its SDK, Terraform) spells the element `rate`, with `window`.
  twoModels('limited-sdk', {
    id: 'quota',
    type: 'rate',
    properties: { limitType: 'count', key: 'metadata.user', limit: 1, window: 3600 },
    outputs: { success: to('smart'), fallback: to('cheap') },
  }),
  twoModels('allowance', {
    id: 'spend',
    type: 'rate_limit',
    properties: {
      limitType: 'cost',
      key: 'metadata.user',
      limit: 0.001,
      interval: 86400,
      technique: 'sliding',
    },
    outputs: { success: to('smart'), fallback: to('cheap') },
  }),
  {
    name: 'strict',
    elements: [
      start('quota'),
      {
        id: 'quota',
        type: 'rate_limit',
        properties: { limit: 1, interval: 3600 },
        outputs: { success: { elementId: 'cheap' } },
      },
      model('cheap', 'cheap', 'small'),
      end,
    ],
  },
  {
    name: 'resilient',
    elements: [
      start('first'),
      model('first', 'broken', 'model', 'second'),
      model('second', 'cheap', 'cheap/small'),
      end,
    ],
  },
  {
    name: 'warm',
    elements: [
      start('hot'),
      {
        id: 'hot',
        type: 'conditional',
        properties: { condition: { $or: [{ temperature: { $gt: 1 } }, { max_output_tokens: { $lt: 20 } }] } },
        outputs: { true: { elementId: 'smart' } },
      },
      model('smart', 'smart', 'large'),
      end,
    ],
  },
];

describe('route conditions', () => {
  const fields: Record<string, string | number | boolean | null> = {
    'metadata.plan': 'paid',
    temperature: 0.7,
    store: false,
  };
  const read = (field: string) => fields[field];
  const holds = (condition: Record<string, unknown>) => matchesCondition(condition, read);

  test('field operators, MongoDB style', () => {
    assert.ok(holds({ 'metadata.plan': 'paid' }));
    assert.ok(holds({ 'metadata.plan': { $in: ['pro', 'paid'] }, temperature: { $gte: 0.7, $lt: 1 } }));
    assert.ok(!holds({ 'metadata.plan': { $nin: ['paid'] } }));
    assert.ok(holds({ 'metadata.team': { $exists: false }, store: { $exists: true, $ne: true } }));
    assert.ok(holds({ 'metadata.plan': { $gt: 'free' } }), 'strings compare as strings');
    assert.ok(!holds({ temperature: { $gt: '0' } }), 'never across kinds');
    assert.ok(holds({ 'metadata.team': { $nin: ['a'] } }), 'a missing field is in no list');
  });

  test('$and and $or over conditions; every entry must hold', () => {
    assert.ok(holds({ $or: [{ 'metadata.plan': 'free' }, { temperature: { $lte: 0.7 } }] }));
    assert.ok(!holds({ $and: [{ 'metadata.plan': 'paid' }, { temperature: { $gt: 1 } }] }));
    assert.ok(!holds({ 'metadata.plan': 'paid', temperature: 2 }));
  });
});

describe('dynamic routes', () => {
  let gateway: GatewayUnderTest;

  before(async () => {
    gateway = await startGateway({
      config: { gateways: { default: { routes: ROUTES } } },
      models,
      providers: providers(),
    });
  });
  after(() => gateway.stop());

  const ask = async (route: string, headers: Record<string, string> = {}, body: object = {}) => {
    const answer = await gateway.request(
      'POST',
      '/v1/responses',
      { model: `dynamic/${route}`, input: 'hi', ...body },
      headers,
    );
    return { ...answer, text: answer.json.output_text as string | undefined };
  };
  /** The log entry of an answer, by its `cf-aig-log-id`. */
  const logOf = async (headers: Headers) => {
    const { runtime } = gateway.server;
    await runtime.gateway.flushLogs();
    return (await runtime.stores.logs.get(headers.get('cf-aig-log-id')!))!;
  };
  const plan = (value: string, user = 'u1') => ({
    'cf-aig-metadata': JSON.stringify({ plan: value, user }),
  });

  test('a conditional routes on cf-aig-metadata, and the answer names the model and provider', async () => {
    const { data, response } = await gateway
      .client('unused', plan('paid'))
      .responses.create({ model: 'dynamic/tiers', input: 'hi' })
      .withResponse();
    assert.equal(data.output_text, 'smart answered');
    assert.equal(response.headers.get('cf-aig-model'), 'smart/large');
    assert.equal(response.headers.get('cf-aig-provider'), 'smart');
    assert.equal(response.headers.get('cf-aig-step'), '0');
    const free = await ask('tiers', { ...plan('free'), origin: 'http://localhost:5173' });
    assert.match(free.headers.get('access-control-expose-headers') ?? '', /cf-aig-model,cf-aig-provider/);
    assert.equal(free.text, 'cheap answered');
    assert.equal(free.headers.get('cf-aig-model'), 'cheap/small');
    const log = await logOf(free.headers);
    assert.equal(log.model, 'cheap/small', 'the log records the model that answered');
  });

  test("a conditional reads the body's metadata and request fields", async () => {
    assert.equal((await ask('tiers', {}, { metadata: { plan: 'paid' } })).text, 'smart answered');
    assert.equal((await ask('warm', {}, { temperature: 1.5 })).text, 'smart answered');
    assert.equal((await ask('warm', {}, { max_output_tokens: 16 })).text, 'smart answered');
    const cold = await ask('warm', {}, { temperature: 0.2 });
    assert.equal(cold.status, 400);
    assert.equal((cold.json.error as { code: string }).code, 'route_ended');
  });

  test('Chat Completions and Anthropic Messages run routes too', async () => {
    const chat = await gateway.request(
      'POST',
      '/v1/chat/completions',
      { model: 'dynamic/tiers', messages: [{ role: 'user', content: 'hi' }] },
      plan('paid'),
    );
    assert.equal(chat.status, 200);
    assert.equal(
      (chat.json.choices as Array<{ message: { content: string } }>)[0]!.message.content,
      'smart answered',
    );
    assert.equal(chat.headers.get('cf-aig-model'), 'smart/large');
    const messages = await gateway.request(
      'POST',
      '/v1/messages',
      { model: 'dynamic/tiers', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      plan('free'),
    );
    assert.equal(messages.status, 200);
    assert.deepEqual(
      (messages.json.content as Array<{ text: string }>).map((block) => block.text),
      ['cheap answered'],
    );
    assert.equal(messages.headers.get('cf-aig-provider'), 'cheap');
  });

  test('a percentage split lands near its shares over many requests', async () => {
    let cheap = 0;
    const total = 300;
    for (let i = 0; i < total; i++) if ((await ask('split')).text === 'cheap answered') cheap += 1;
    // 30% of 300 is 90, with a standard deviation near 8: the band is five of them either side.
    assert.ok(cheap >= 50 && cheap <= 130, `${cheap} of ${total} went to the 30% output`);
  });

  test("a rate limit keyed on metadata sends each user's overflow to its fallback", async () => {
    const user = (id: string) => plan('free', id);
    assert.equal((await ask('limited', user('ann'))).text, 'smart answered');
    assert.equal((await ask('limited', user('ann'))).text, 'smart answered');
    assert.equal((await ask('limited', user('ann'))).text, 'cheap answered');
    assert.equal(
      (await ask('limited', user('bob'))).text,
      'smart answered',
      'another user has a counter of its own',
    );
    assert.equal((await ask('limited-sdk', user('dee'))).text, 'smart answered');
    assert.equal(
      (await ask('limited-sdk', user('dee'))).text,
      'cheap answered',
      "the SDK's spelling limits alike",
    );
  });

  test("a cost limit keyed on metadata sends a user to its fallback once the user's requests spent it", async () => {
    const user = (id: string) => plan('free', id);
    const first = await ask('allowance', user('cy'));
    assert.equal(first.text, 'smart answered');
    assert.ok((await logOf(first.headers)).cost > 0.001);
    assert.equal((await ask('allowance', user('cy'))).text, 'cheap answered');
    // A request whose log is turned off still spends.
    const quiet = { ...user('dee'), 'cf-aig-collect-log': 'false' };
    assert.equal((await ask('allowance', quiet)).text, 'smart answered');
    await gateway.server.runtime.gateway.flushLogs();
    assert.equal((await ask('allowance', user('dee'))).text, 'cheap answered');
    assert.equal((await ask('allowance', user('eve'))).text, 'smart answered', 'another user spends its own');
  });

  test('a rate limit without a fallback ends the route with a 429', async () => {
    assert.equal((await ask('strict')).status, 200);
    const refused = await ask('strict');
    assert.equal(refused.status, 429);
    assert.equal((refused.json.error as { code: string }).code, 'rate_limit_exceeded');
    assert.match((refused.json.error as { message: string }).message, /route 'strict'/);
    assert.ok(refused.headers.get('retry-after'));
  });

  test('a model that fails falls back to the next, and the log counts both attempts', async () => {
    const answer = await ask('resilient');
    assert.equal(answer.status, 200);
    assert.equal(answer.text, 'cheap answered');
    assert.equal(answer.headers.get('cf-aig-model'), 'cheap/small');
    assert.equal(answer.headers.get('cf-aig-step'), '1');
    const log = await logOf(answer.headers);
    assert.equal(log.model, 'cheap/small');
    assert.equal(log.attempts, 2);
  });

  test('a streamed answer comes from the model that started answering; background is refused', async () => {
    const stream = await gateway
      .client()
      .responses.create({ model: 'dynamic/resilient', input: 'hi', stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.equal(text, 'cheap answered');
    const queued = await ask('tiers', {}, { background: true });
    assert.equal(queued.status, 400);
    assert.equal((queued.json.error as { param: string }).param, 'background');
  });

  test("a route's answers are not cached: each request walks the route", async () => {
    const cached = { ...plan('paid'), 'cf-aig-cache-ttl': '3600' };
    const first = await ask('tiers', cached);
    const second = await ask('tiers', { ...plan('free'), 'cf-aig-cache-ttl': '3600' });
    assert.equal(first.text, 'smart answered');
    assert.equal(second.text, 'cheap answered', "the paid plan's answer is not the free plan's");
    assert.equal(second.headers.get('cf-aig-cache-status'), null);
  });

  test('an unknown route is a 404 model_not_found naming model; a plain model has no route headers', async () => {
    const unknown = await ask('nowhere');
    assert.equal(unknown.status, 404);
    assert.deepEqual(
      {
        code: (unknown.json.error as { code: string }).code,
        param: (unknown.json.error as { param: string }).param,
      },
      { code: 'model_not_found', param: 'model' },
    );
    const plain = await gateway.request('POST', '/v1/responses', { model: 'cheap/small', input: 'hi' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('cf-aig-model'), null);
  });
});

describe('dynamic routes through the admin API', () => {
  let gateway: GatewayUnderTest;
  before(async () => {
    gateway = await startGateway({ models, providers: providers() });
  });
  after(() => gateway.stop());

  const create = (routes: unknown) => gateway.request('POST', '/v1/gateways', { id: 'routed', routes });
  const refusal = async (routes: unknown) => {
    const answer = await create(routes);
    assert.equal(answer.status, 400, JSON.stringify(answer.json));
    const error = answer.json.error as { param: string; message: string };
    return { param: error.param, message: error.message };
  };

  test('a route is refused with a 400 naming the path of what is wrong', async () => {
    const dangling = tiers();
    dangling.elements[1]!.outputs = { true: { elementId: 'smart' }, false: { elementId: 'gone' } };
    assert.equal((await refusal([dangling])).param, 'routes[0].elements[1].outputs.false');

    const cycle = tiers();
    cycle.elements[1]!.outputs = { true: { elementId: 'plan' } };
    const cyclic = await refusal([cycle]);
    assert.equal(cyclic.param, 'routes[0].elements[1].outputs.true');
    assert.match(cyclic.message, /cycle/);

    const noStart = tiers();
    noStart.elements.shift();
    assert.equal((await refusal([noStart])).param, 'routes[0].elements');

    const over = {
      name: 'over',
      elements: [
        start('share'),
        {
          id: 'share',
          type: 'percentage',
          outputs: { '60%': { elementId: 'end' }, '50%': { elementId: 'end' } },
        },
        end,
      ],
    };
    assert.match((await refusal([over])).message, /110%, over 100%/);

    const operator = tiers();
    operator.elements[1]!.properties = { conditions: { 'metadata.plan': { $regex: 'p.*' } } };
    assert.equal(
      (await refusal([operator])).param,
      'routes[0].elements[1].properties.conditions.metadata.plan.$regex',
    );

    const unknownModel = tiers();
    unknownModel.elements[2] = model('smart', 'smart', 'huge');
    const unknown = await refusal([unknownModel]);
    assert.equal(unknown.param, 'routes[0].elements[2].properties.model');
    assert.match(unknown.message, /smart\/huge/);

    const limited = () =>
      structuredClone(ROUTES.find((route) => route.name === 'limited')!) as {
        elements: Array<{ properties?: Record<string, unknown> }>;
      };
    const fraction = limited();
    fraction.elements[1]!.properties!.limit = 1.5;
    assert.equal((await refusal([fraction])).param, 'routes[0].elements[1].properties.limit');
    const minutes = limited();
    Object.assign(minutes.elements[1]!.properties!, { limitType: 'cost', limit: 0.5, interval: 90 });
    const byMinutes = await refusal([minutes]);
    assert.equal(byMinutes.param, 'routes[0].elements[1].properties.interval');
    assert.match(byMinutes.message, /whole number of hours/);
    const both = limited();
    Object.assign(both.elements[1]!.properties!, { window: 60 });
    const twice = await refusal([both]);
    assert.equal(twice.param, 'routes[0].elements[1].properties.window');
    assert.match(twice.message, /interval or as window/);

    assert.equal((await refusal([tiers(), tiers()])).param, 'routes[1].name');
  });

  test('a route made through the admin API runs at once, and PATCH replaces the routes', async () => {
    const made = await create([tiers()]);
    assert.equal(made.status, 201);
    assert.equal((made.json.routes as unknown[]).length, 1);
    const ask = (metadata: object) =>
      gateway.request(
        'POST',
        '/v1/responses',
        { model: 'dynamic/tiers', input: 'hi' },
        { 'cf-aig-gateway-id': 'routed', 'cf-aig-metadata': JSON.stringify(metadata) },
      );
    assert.equal((await ask({ plan: 'paid' })).json.output_text, 'smart answered');
    const patched = await gateway.request('PATCH', '/v1/gateways/routed', { routes: [] });
    assert.equal(patched.status, 200);
    assert.equal((await ask({ plan: 'paid' })).status, 404);
  });
});

describe('dynamic routes in the config file and the binding', () => {
  test('a config route naming a model outside the catalog stops the start, naming its path', async () => {
    const broken = tiers();
    broken.elements[3] = model('cheap', 'cheap', 'tiny');
    await assert.rejects(
      startGateway({
        config: { gateways: { default: { routes: [broken] } } },
        models,
        providers: providers(),
      }),
      /gateways\.default\.routes\[0\]\.elements\[3\]\.properties\.model: names no model/,
    );
    await assert.rejects(
      startGateway({
        config: { gateways: { default: { routes: [{ ...tiers(), elements: tiers().elements.slice(1) }] } } },
        models,
        providers: providers(),
      }),
      /gateways\.default\.routes\[0\]\.elements: a route needs a start element/,
    );
  });

  test('the binding runs a route with its gateway metadata', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'portico-routes-'));
    const ai = createAI({
      dataDir,
      modelsDirs: [],
      env: {},
      config: { gateways: { default: { routes: ROUTES } } },
      models,
      providers: providers(),
    });
    try {
      const paid = (await ai.run(
        'dynamic/tiers',
        { input: 'hi' },
        { gateway: { id: 'default', metadata: { plan: 'paid' } } },
      )) as { output_text: string };
      assert.equal(paid.output_text, 'smart answered');
    } finally {
      await ai.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

function tiers() {
  return structuredClone(ROUTES[0]!) as { name: string; elements: Array<Record<string, unknown>> };
}
