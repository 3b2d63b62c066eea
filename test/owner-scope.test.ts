import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { projectClients } from './support/project-keys.ts';
import { openSocket } from './support/socket-client.ts';

type Answer = { status: number; json: Record<string, unknown> };

/** Ids of one shape that no one made: what another project's id must be indistinguishable from. */
const madeUp = (id: string) => id.replace(/_[0-9a-f]+$/, (rest) => `_${'0'.repeat(rest.length - 1)}`);

/** The answer with the id in it made up: equal for an object of another project and one that does not exist. */
const blind = (answer: Answer, id: string) => ({
  status: answer.status,
  json: JSON.parse(JSON.stringify(answer.json).replaceAll(id, madeUp(id))) as unknown,
});

/**
 * What project beta may do with project alpha's ids, through every door that takes one: the
 * object routes and the references inside a request (`previous_response_id`, `conversation`)
 * on each entry format. Each answer must be the one a made-up id of the same shape gets.
 */
describe("one project's ids are unknown to another", () => {
  let gateway: GatewayUnderTest;
  let alpha: Record<string, string>;
  let beta: Record<string, string>;
  let ids: { response: string; background: string; conversation: string; item: string; log: string };

  before(async () => {
    gateway = await startGateway();
    const made = await projectClients(gateway, ['alpha', 'beta']);
    [alpha, beta] = [made.headers.alpha!, made.headers.beta!];
    const response = await gateway.request(
      'POST',
      '/v1/responses',
      { model: 'test/echo', input: 'a secret' },
      alpha,
    );
    const queued = { model: 'test/echo', input: 'a secret', background: true };
    const background = await gateway.request('POST', '/v1/responses', queued, alpha);
    const items = [{ type: 'message', role: 'user', content: 'a secret' }];
    const conversation = await gateway.request('POST', '/v1/conversations', { items }, alpha);
    const listed = await gateway.request(
      'GET',
      `/v1/conversations/${conversation.json.id as string}/items`,
      undefined,
      alpha,
    );
    ids = {
      response: response.json.id as string,
      background: background.json.id as string,
      conversation: conversation.json.id as string,
      item: (listed.json.data as Array<{ id: string }>)[0]!.id,
      log: response.headers.get('cf-aig-log-id')!,
    };
  });
  after(() => gateway.stop());

  /** Beta's answer with alpha's id, and with a made-up one in its place: they must not differ. */
  async function same(
    method: string,
    path: (id: string) => string,
    id: string,
    body?: (id: string) => unknown,
  ) {
    const theirs = await gateway.request(method, path(id), body?.(id), beta);
    const none = await gateway.request(method, path(madeUp(id)), body?.(madeUp(id)), beta);
    assert.ok(theirs.status >= 400, `${method} ${path('…')}: ${theirs.status}`);
    assert.deepEqual(blind(theirs, id), blind(none, id), `${method} ${path('…')}`);
  }

  test('the object routes: responses, background streams, conversations and their items, logs', async () => {
    const { response, background, conversation, item, log } = ids;
    await same('GET', (id) => `/v1/responses/${id}`, response);
    await same('GET', (id) => `/v1/responses/${id}/input_items`, response);
    await same('GET', (id) => `/v1/responses/${id}?stream=true&starting_after=0`, background);
    await same('POST', (id) => `/v1/responses/${id}/cancel`, background);
    await same('DELETE', (id) => `/v1/responses/${id}`, response);
    await same('GET', (id) => `/v1/conversations/${id}`, conversation);
    await same(
      'POST',
      (id) => `/v1/conversations/${id}`,
      conversation,
      () => ({ metadata: { x: 'y' } }),
    );
    await same('GET', (id) => `/v1/conversations/${id}/items`, conversation);
    await same(
      'POST',
      (id) => `/v1/conversations/${id}/items`,
      conversation,
      () => ({
        items: [{ type: 'message', role: 'user', content: 'mine now' }],
      }),
    );
    await same('GET', (id) => `/v1/conversations/${conversation}/items/${id}`, item);
    await same('DELETE', (id) => `/v1/conversations/${conversation}/items/${id}`, item);
    await same('DELETE', (id) => `/v1/conversations/${id}`, conversation);
    await same('GET', (id) => `/v1/logs/${id}`, log);
    await same(
      'PATCH',
      (id) => `/v1/logs/${id}`,
      log,
      () => ({ feedback: -1 }),
    );
    await same('GET', (id) => `/client/v4/accounts/a/ai-gateway/gateways/default/logs/${id}`, log);
    const analytics = await gateway.request(
      'GET',
      '/v1/analytics?project=alpha&group_by=project',
      undefined,
      beta,
    );
    assert.deepEqual(analytics.json.data, []);
    // Alpha's objects are all still there, untouched.
    const kept = await gateway.request('GET', `/v1/conversations/${conversation}/items`, undefined, alpha);
    assert.deepEqual(
      (kept.json.data as Array<{ id: string }>).map((entry) => entry.id),
      [item],
    );
    assert.equal((await gateway.request('GET', `/v1/responses/${response}`, undefined, alpha)).status, 200);
    assert.equal((await gateway.request('GET', `/v1/logs/${log}`, undefined, alpha)).json.feedback, null);
  });

  test('references in a request body, on every entry format, and on a WebSocket', async () => {
    const { response, conversation } = ids;
    const previous = (id: string) => ({ model: 'test/echo', input: 'x', previous_response_id: id });
    const inConversation = (id: string) => ({ model: 'test/echo', input: 'x', conversation: id });
    for (const path of [
      '/v1/responses',
      '/v1/responses/input_tokens',
      '/client/v4/accounts/a/ai/v1/responses',
    ]) {
      await same('POST', () => path, response, previous);
      await same('POST', () => path, conversation, inConversation);
    }
    await same(
      'POST',
      () => '/v1/responses',
      response,
      (id) => ({ ...previous(id), background: true }),
    );
    await same(
      'POST',
      () => '/v1/responses',
      conversation,
      (id) => ({ ...inConversation(id), stream: true }),
    );
    await same('POST', () => '/v1/responses/compact', response, previous);
    await same(
      'POST',
      () => '/client/v4/accounts/a/ai/run/test/echo',
      response,
      (id) => ({
        input: 'x',
        previous_response_id: id,
      }),
    );
    await same(
      'POST',
      () => '/v1/a/default',
      conversation,
      (id) => [{ provider: 'compat', endpoint: 'responses', query: inConversation(id) }],
    );
    const socket = await openSocket(gateway.url, beta);
    const turns: unknown[] = [];
    for (const id of [response, madeUp(response)]) {
      socket.create(previous(id));
      turns.push(JSON.parse(JSON.stringify((await socket.turn()).at(-1)).replaceAll(id, madeUp(response))));
    }
    socket.close();
    assert.equal((turns[0] as { type: string }).type, 'error');
    assert.deepEqual(turns[0], turns[1]);
  });
});
