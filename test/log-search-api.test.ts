import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { echoProvider, startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { scriptedModel } from './support/scripted-provider.ts';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const CF = '/client/v4/accounts/acc/ai-gateway/gateways';

/** `GET` and `DELETE /v1/logs` with search and filters, Cloudflare's list, delete and bodies, keys scoped. */
describe('log search, filters and deletion over HTTP', () => {
  let gateway: GatewayUnderTest;
  const keys: Record<string, string> = {};

  before(async () => {
    gateway = await startGateway({
      config: { gateways: { default: {}, bare: { log_payloads: false } } },
      models: [scriptedModel('test/echo', 'scripted'), scriptedModel('test/other', 'scripted')],
      providers: new Map([['scripted', echoProvider('Marmalade is served at noon.')]]),
    });
    const admin = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    keys.admin = admin.json.key as string;
    for (const project of ['alpha', 'beta'])
      keys[project] = (
        await gateway.request('POST', '/v1/keys', { name: project, project }, bearer(keys.admin))
      ).json.key as string;
    const ask = (key: string, input: string, model = 'test/echo', headers: Record<string, string> = {}) =>
      gateway.client(key, headers).responses.create({ model, input });
    await ask(keys.alpha!, 'Where is the lighthouse keeper?', 'test/echo', {
      'cf-aig-metadata': '{"ticket":"T-991"}',
    });
    await ask(keys.alpha!, 'Count the herons', 'test/other');
    await ask(keys.beta!, 'Where is the lighthouse of beta?');
    await ask(keys.alpha!, 'A quiet request', 'test/echo', { 'cf-aig-gateway-id': 'bare' });
  });
  after(() => gateway.stop());

  const list = async (query: string, key = keys.admin!) => {
    const answer = await gateway.request('GET', `/v1/logs?${query}`, undefined, bearer(key));
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return (answer.json.data as Array<{ model: string; project: string; metadata: object }>).map(
      (log) => log,
    );
  };

  test('search finds words of the request, the answer, the metadata and the model, as each key may read', async () => {
    assert.equal((await list('search=lighthouse')).length, 2, 'the admin reads both projects');
    assert.deepEqual(
      (await list('search=lighthouse', keys.alpha)).map((log) => log.project),
      ['alpha'],
      'a key finds only its own',
    );
    assert.equal((await list('search=marmalade%20noon')).length, 3, 'the answer text, where kept');
    assert.equal((await list('search=t%20991')).length, 1, 'metadata');
    assert.deepEqual(
      (await list('search=other')).map((log) => log.model),
      ['test/other'],
    );
    assert.equal((await list('search=quiet')).length, 0, 'a gateway that keeps no payloads keeps no text');
    assert.equal((await list('search=herons&model=test/echo')).length, 0, 'search and filters together');
  });

  test('structured filters on /v1/logs, as JSON or as Cloudflare spells them', async () => {
    const json = encodeURIComponent(
      JSON.stringify([{ key: 'model', operator: 'eq', value: ['test/other'] }]),
    );
    assert.deepEqual(
      (await list(`filters=${json}`)).map((log) => log.model),
      ['test/other'],
    );
    const dotted =
      'filters.key=model&filters.operator=contains&filters.value=ECHO&filters.key=metadata.key&filters.operator=eq&filters.value=ticket';
    assert.equal((await list(dotted)).length, 1);
    const indexed = 'filters[0][key]=authentication&filters[0][operator]=eq&filters[0][value][0]=true';
    assert.equal((await list(indexed)).length, 4);
  });

  test('a bad filter or search is a 400 that names it', async () => {
    const bad = async (query: string, param: string, message?: RegExp) => {
      const answer = await gateway.request('GET', `/v1/logs?${query}`, undefined, bearer(keys.admin!));
      assert.equal(answer.status, 400, query);
      const error = answer.json.error as { param: string; message: string };
      assert.equal(error.param, param, query);
      if (message) assert.match(error.message, message);
    };
    await bad(
      'filters.key=user_agent&filters.operator=eq&filters.value=curl',
      'filters[0].key',
      /user agent/,
    );
    await bad(
      'filters.key=request_type&filters.operator=eq&filters.value=x',
      'filters[0].key',
      /request type/,
    );
    await bad('filters.key=colour&filters.operator=eq&filters.value=x', 'filters[0].key');
    await bad('filters.key=cost&filters.operator=contains&filters.value=1', 'filters[0].operator');
    await bad('filters.key=cost&filters.operator=gt&filters.value=cheap', 'filters[0].value');
    await bad('filters.key=cost&filters.operator=gt&filters.value=1&filters.value=2', 'filters[0].value');
    await bad('filters.key=success&filters.operator=eq&filters.value=yes', 'filters[0].value');
    await bad('filters.operator=eq', 'filters.operator');
    await bad('filters=%5Bnot%20json', 'filters');
    await bad(
      `filters=${encodeURIComponent('[{"key":"model","operator":"eq","value":[]}]')}`,
      'filters[0].value',
    );
    await bad('search=%21%21%21', 'search', /letter or a digit/);
    await bad(`search=${Array.from({ length: 17 }, (_, n) => `w${n}`).join('+')}`, 'search', /16 words/);
    await bad(`search=${'a'.repeat(257)}`, 'search');
    await bad('feedback=2', 'feedback');
  });

  test("Cloudflare's list: search, filters, feedback and meta_info", async () => {
    const [first] = await gateway.logs();
    await gateway.request('PATCH', `/v1/logs/${first!.id as string}`, { feedback: -1 }, bearer(keys.admin!));
    const listed = async (query: string) => {
      const answer = await gateway.request(
        'GET',
        `${CF}/default/logs?${query}`,
        undefined,
        bearer(keys.admin!),
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      return answer.json as { result: Array<{ id: string }>; result_info: Record<string, number> };
    };
    assert.deepEqual(
      (await listed('feedback=0')).result.map((log) => log.id),
      [first!.id],
    );
    assert.deepEqual(
      (await listed('feedback=-1')).result.map((log) => log.id),
      [first!.id],
    );
    assert.equal((await listed('feedback=1')).result.length, 0);
    assert.equal((await listed('model_type=Text%20Generation')).result.length, 3);
    assert.equal((await listed('response_content_type=text/event-stream')).result.length, 0);
    const info = (await listed('search=lighthouse&meta_info=true')).result_info;
    assert.equal(info.total_count, 2);
    for (const field of ['cost', 'duration', 'tokens_in', 'tokens_out', 'total_tokens']) {
      assert.equal(typeof info[`min_${field}`], 'number', field);
      assert.ok(info[`min_${field}`]! <= info[`max_${field}`]!, field);
    }
    assert.ok(info.min_tokens_in! > 0);
    assert.equal((await listed('search=lighthouse')).result_info.min_cost, undefined, 'only when asked');
  });

  test("Cloudflare's request and response bodies, a 404 where none was kept", async () => {
    const logs = await gateway.logs();
    const kept = logs.find((log) => log.gateway === 'default')!.id as string;
    const bare = logs.find((log) => log.gateway === 'bare')!.id as string;
    const body = (where: string, key = keys.admin!) =>
      gateway.request('GET', `${CF}/${where}`, undefined, bearer(key));
    const request = await body(`default/logs/${kept}/request`);
    assert.equal(request.status, 200);
    assert.equal(request.json.input, 'Where is the lighthouse keeper?');
    assert.equal((await body(`default/logs/${kept}/response`)).json.object, 'response');
    assert.equal((await body(`bare/logs/${bare}/request`)).status, 404, 'none kept');
    assert.equal((await body(`bare/logs/${kept}/response`)).status, 404, 'another gateway');
    assert.equal((await body(`default/logs/${kept}/request`, keys.beta)).status, 404, 'another project');
  });

  test('deletion is scoped as reads are: a key deletes only its own project’s logs', async () => {
    const beta = await gateway.request('DELETE', '/v1/logs?search=lighthouse', undefined, bearer(keys.beta!));
    assert.deepEqual(beta.json, { object: 'gateway.logs.deleted', deleted: 1 });
    assert.deepEqual(
      (await list('search=lighthouse')).map((log) => log.project),
      ['alpha'],
      "alpha's is kept",
    );
    const limited = await gateway.request(
      'DELETE',
      `${CF}/default/logs?limit=1&order_by=model&order_by_direction=desc&filters.key=model&filters.operator=contains&filters.value=test`,
      undefined,
      bearer(keys.alpha!),
    );
    assert.equal(limited.status, 200);
    assert.deepEqual(limited.json.result, { success: true, deleted: 1 });
    assert.deepEqual(
      (await list('gateway=default')).map((log) => log.model),
      ['test/echo'],
      'test/other went first',
    );
    const bad = await gateway.request(
      'DELETE',
      `${CF}/default/logs?order_by=colour`,
      undefined,
      bearer(keys.alpha!),
    );
    assert.equal(bad.status, 400);
    const anonymous = await gateway.request('DELETE', '/v1/logs');
    assert.equal(anonymous.status, 401);
    const all = await gateway.request('DELETE', '/v1/logs', undefined, bearer(keys.admin!));
    assert.deepEqual(all.json, { object: 'gateway.logs.deleted', deleted: 2 });
    assert.equal((await gateway.logs()).length, 0);
  });
});
