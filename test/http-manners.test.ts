import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { LIMITS } from '../src/api/limits.ts';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { rawExchange } from './support/raw-exchange.ts';

describe('HTTP manners', () => {
  let gateway: GatewayUnderTest;
  before(async () => {
    gateway = await startGateway({
      config: { aliases: { 'gpt-5.5': 'test/echo' }, cors: { origins: ['https://app.example'] } },
    });
  });
  after(() => gateway.stop());

  test('every answer carries x-request-id; a plain client id is kept', async () => {
    for (const [method, path] of [
      ['GET', '/v1/models'],
      ['GET', '/v1/nowhere'],
      ['POST', '/v1/responses'],
    ] as const) {
      const answer = await gateway.request(method, path, method === 'POST' ? {} : undefined);
      assert.match(answer.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{24}$/, `${method} ${path}`);
    }
    const kept = await gateway.request('GET', '/v1/models', undefined, { 'x-request-id': 'trace-42' });
    assert.equal(kept.headers.get('x-request-id'), 'trace-42');
    const replaced = await gateway.request('GET', '/v1/models', undefined, {
      'x-request-id': 'not a plain id, too many spaces',
    });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^req_/);
  });

  test('a wrong method is a 405 with allow, in the OpenAI error shape', async () => {
    const answer = await gateway.request('PUT', '/v1/responses', {});
    assert.equal(answer.status, 405);
    // GET opens WebSocket mode.
    assert.equal(answer.headers.get('allow'), 'GET, HEAD, POST');
    assert.equal((answer.json.error as { code: string }).code, 'method_not_allowed');
    const item = await gateway.request('POST', '/v1/responses/resp_1');
    assert.equal(item.status, 405);
    assert.match(item.headers.get('allow') ?? '', /GET/);
  });

  test('CORS: a configured origin and pages on this machine may call; others may not', async () => {
    const preflight = await fetch(`${gateway.url}/v1/responses`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization, cf-aig-cache-ttl',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /cf-aig-cache-ttl/);
    assert.equal(preflight.headers.get('vary'), 'Origin, Access-Control-Request-Headers');
    const local = await fetch(`${gateway.url}/v1/models`, { headers: { origin: 'http://localhost:5173' } });
    assert.equal(local.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.match(local.headers.get('access-control-expose-headers') ?? '', /cf-aig-log-id/);
    assert.equal(local.headers.get('vary'), 'Origin');
    // A streamed answer carries the same headers as a JSON one.
    const streamed = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/echo', input: 'hi', stream: true }),
    });
    assert.equal(streamed.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(streamed.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.match(streamed.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{24}$/);
    assert.match(await streamed.text(), /response\.completed/);
    const foreign = await fetch(`${gateway.url}/v1/models`, { headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    const forged = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: JSON.stringify({ model: 'test/echo', input: 'spend my keys' }),
    });
    assert.equal(forged.status, 403, 'a cross-site form post never runs');
  });

  test('a gzip-compressed body is read; a broken one is a 400', async () => {
    const body = gzipSync(JSON.stringify({ model: 'test/echo', input: 'compressed' }));
    const answer = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { status: string }).status, 'completed');
    const broken = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip at all'),
    });
    assert.equal(broken.status, 400);
    const br = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
      body: Buffer.from('{}'),
    });
    assert.equal(br.status, 415);
    const bomb = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(LIMITS.bodyBytes + 1, 0x20)),
    });
    assert.equal(bomb.status, 413, 'counted after gunzip');
  });

  test('a request offering an upgrade other than WebSocket (curl --http2: h2c) is answered over HTTP/1.1', async () => {
    const offer =
      'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n';
    const models = await rawExchange(
      gateway.url,
      `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n${offer}\r\n`,
    );
    assert.match(models, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(models, /"object":"list"/);
    // A body after the offer is read as the request's; the connection then closes as asked.
    const body = JSON.stringify({ model: 'test/echo', input: 'hi' });
    const created = await rawExchange(
      gateway.url,
      `POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, close\r\nUpgrade: h2c\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.match(created, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(created, /"status":"completed"/);
    // A WebSocket offer is websocket-handshake.test.ts's.
  });

  test("/v1/models/:id, and an alias that keeps its target's capabilities under a name clients know", async () => {
    const alias = await gateway.request('GET', '/v1/models/gpt-5.5');
    assert.equal(alias.status, 200);
    assert.equal(alias.json.alias_of, 'test/echo');
    const answer = await gateway.client().responses.create({ model: 'gpt-5.5', input: 'hi' });
    assert.equal(answer.model, 'gpt-5.5');
    const missing = await gateway.request('GET', '/v1/models/none');
    assert.equal(missing.status, 404);
  });
});
