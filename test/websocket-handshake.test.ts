import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startGateway, type GatewayUnderTest } from './support/gateway-server.ts';
import { parseRawAnswer, rawExchange, type RawAnswer } from './support/raw-exchange.ts';

/** The handshake a WebSocket client sends (RFC 6455's sample nonce), with `headers` besides. */
function handshake(path: string, headers: Record<string, string>, method = 'GET'): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${lines.join('')}\r\n`
  );
}

/** What every refusal says: its body is JSON of the length it gives, and the connection closes. */
function checkRefusal(answer: RawAnswer, status: number): unknown {
  assert.equal(answer.status, status);
  assert.equal(answer.headers.get('content-type'), 'application/json');
  assert.equal(Number(answer.headers.get('content-length')), Buffer.byteLength(answer.body));
  assert.equal(answer.headers.get('connection'), 'close');
  assert.match(answer.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{24}$/);
  return JSON.parse(answer.body);
}

describe('WebSocket handshakes on /v1/responses', () => {
  let gateway: GatewayUnderTest;
  let key: string;
  before(async () => {
    gateway = await startGateway({ config: { cors: { origins: ['https://app.example'] } } });
    // The first key: from here on a request needs one.
    const created = await gateway.request('POST', '/v1/keys', { name: 'admin', scopes: { admin: true } });
    key = created.json.key as string;
  });
  after(() => gateway.stop());

  /** The same request as a plain GET: its status and error body. */
  async function plain(headers: Record<string, string>): Promise<[number, unknown]> {
    const answer = await fetch(`${gateway.url}/v1/responses`, { headers });
    return [answer.status, await answer.json()];
  }

  test('a refused handshake answers as the plain request would: status, headers, error body', async () => {
    const bearer = { authorization: `Bearer ${key}` };
    const cases: Array<[string, Record<string, string>, number]> = [
      ['no key', {}, 401],
      ['an unknown key', { authorization: 'Bearer sk-portico-unknown' }, 401],
      ['an unknown gateway', { ...bearer, 'cf-aig-gateway-id': 'nowhere' }, 404],
    ];
    for (const [what, headers, status] of cases) {
      const answer = parseRawAnswer(await rawExchange(gateway.url, handshake('/v1/responses', headers)));
      const body = checkRefusal(answer, status);
      assert.deepEqual([status, body], await plain(headers), what);
    }
    const missing = parseRawAnswer(await rawExchange(gateway.url, handshake('/v1/responses', {})));
    const { error } = checkRefusal(missing, 401) as { error: Record<string, unknown> };
    assert.deepEqual(
      [error.type, error.param, error.code],
      ['authentication_error', null, 'missing_api_key'],
    );
    // Browsers hold no WebSocket to CORS (a plain GET is answered): another site's page is refused by its origin.
    const foreign = { ...bearer, origin: 'https://evil.example' };
    const refused = parseRawAnswer(await rawExchange(gateway.url, handshake('/v1/responses', foreign)));
    assert.deepEqual(checkRefusal(refused, 403), {
      error: {
        message:
          "Requests from the web page origin 'https://evil.example' are not allowed: add it to cors.origins in the config.",
        type: 'permission_error',
        param: null,
        code: 'origin_not_allowed',
      },
    });
  });

  test('a handshake ws could not complete is refused in the same shape', async () => {
    const bearer = { authorization: `Bearer ${key}` };
    const versionless = handshake('/v1/responses', bearer).replace('Sec-WebSocket-Version: 13\r\n', '');
    const answer = parseRawAnswer(await rawExchange(gateway.url, versionless));
    assert.deepEqual(checkRefusal(answer, 400), {
      error: {
        message: 'Missing or invalid Sec-WebSocket-Version header.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_websocket_handshake',
      },
    });
    assert.equal(answer.headers.get('sec-websocket-version'), '13, 8');
    const keyless = handshake('/v1/responses', bearer).replace(/Sec-WebSocket-Key: .*\r\n/, '');
    const malformed = handshake('/v1/responses', { ...bearer, 'Sec-WebSocket-Protocol': 'a b,,' });
    for (const [request, message] of [
      [keyless, 'Missing or invalid Sec-WebSocket-Key header.'],
      [malformed, 'Invalid Sec-WebSocket-Protocol header.'],
    ] as const) {
      const { error } = checkRefusal(parseRawAnswer(await rawExchange(gateway.url, request)), 400) as {
        error: Record<string, unknown>;
      };
      assert.deepEqual([error.code, error.message], ['invalid_websocket_handshake', message]);
    }
  });

  test('a handshake sent right behind another request is answered after it', async () => {
    const models = `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n\r\n`;
    const text = await rawExchange(gateway.url, models + handshake('/v1/responses', {}));
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    const second = text.indexOf('HTTP/1.1 401 ');
    assert.ok(second > 0, text.slice(0, 200));
    const body = checkRefusal(parseRawAnswer(text.slice(second)), 401) as { error: { code: string } };
    assert.equal(body.error.code, 'missing_api_key');
  });

  test('an accepted handshake carries the headers the app set (x-request-id)', async () => {
    const socket = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/v1/responses`, {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': 'ws-trace-1' },
    });
    const upgrade = await new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.once('upgrade', (response) => resolve(response.headers));
      socket.once('error', reject);
    });
    assert.equal(upgrade['x-request-id'], 'ws-trace-1');
    socket.close();
  });

  test('a WebSocket offer to a route that takes none is answered as the plain request it also is', async () => {
    const bearer = { authorization: `Bearer ${key}` };
    const models = parseRawAnswer(await rawExchange(gateway.url, handshake('/v1/models', bearer)));
    assert.equal(models.status, 200);
    assert.equal(models.headers.get('connection'), 'close');
    assert.equal((JSON.parse(models.body) as { object: string }).object, 'list');
    const nowhere = parseRawAnswer(await rawExchange(gateway.url, handshake('/v1/nowhere', bearer)));
    assert.deepEqual(checkRefusal(nowhere, 404), {
      error: {
        message: 'Unknown route: GET /v1/nowhere',
        type: 'invalid_request_error',
        param: null,
        code: 'unknown_route',
      },
    });
    // Not a handshake at all (RFC 6455 wants a GET): the offer is declined, the body read as the request's.
    const body = JSON.stringify({ model: 'test/echo', input: 'hi' });
    const created = parseRawAnswer(
      await rawExchange(
        gateway.url,
        handshake(
          '/v1/responses',
          {
            ...bearer,
            'Content-Type': 'application/json',
            'Content-Length': String(body.length),
          },
          'POST',
        ).replace('Connection: Upgrade', 'Connection: Upgrade, close') + body,
      ),
    );
    assert.equal(created.status, 200);
    assert.equal((JSON.parse(created.body) as { status: string }).status, 'completed');
  });
});
