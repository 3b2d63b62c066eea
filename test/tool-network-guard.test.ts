import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fetchFailure, guardedFetch } from '../src/tools/network/guarded-fetch.ts';
import { AddressPolicy, embeddedIPv4 } from '../src/tools/network/private-address.ts';

let server: Server;
let port: number;
before(async () => {
  server = createServer((request, response) => {
    if (request.url?.startsWith('/hop')) {
      // A redirect to another loopback address, or to a name that resolves to loopback.
      const target = request.url === '/hop' ? `http://127.0.0.2:${port}/end` : `http://localhost:${port}/end`;
      response.writeHead(302, { location: target }).end();
      return;
    }
    response.end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return fetchFailure(error);
  }
  assert.fail('the fetch went through');
}

describe('the address policy', () => {
  const policy = new AddressPolicy([]);
  test('refuses private, loopback, link-local and special addresses, IPv4 and IPv6', () => {
    for (const address of [
      '127.0.0.1',
      '10.2.3.4',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '64:ff9b::a00:1',
      '2002:c0a8:101::1',
    ])
      assert.match(policy.refusal(address) ?? 'allowed', /private, loopback or link-local/, address);
  });
  test('lets public addresses through', () => {
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(policy.refusal(address), undefined, address);
  });
  test('allows exactly the networks the config names', () => {
    const loopback = new AddressPolicy(['127.0.0.1/32', '::1/128']);
    assert.equal(loopback.refusal('127.0.0.1'), undefined);
    assert.equal(loopback.refusal('::1'), undefined);
    assert.equal(loopback.refusal('::ffff:127.0.0.1'), undefined);
    assert.ok(loopback.refusal('127.0.0.2'));
    assert.ok(loopback.refusal('10.0.0.1'));
  });
  test('reads the IPv4 address inside mapped, NAT64 and 6to4 addresses', () => {
    assert.equal(embeddedIPv4('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(embeddedIPv4('64:ff9b::7f00:1'), '127.0.0.1');
    assert.equal(embeddedIPv4('2002:a9fe:a9fe::'), '169.254.169.254');
    assert.equal(embeddedIPv4('2606:4700::1'), undefined);
  });
});

describe('guarded fetch', () => {
  test('refuses a loopback literal and a name that resolves to loopback, with a clear message', async () => {
    const refused = guardedFetch([]);
    assert.match(await failure(refused(`http://127.0.0.1:${port}/`)), /127\.0\.0\.1 is private, loopback/);
    assert.match(await failure(refused(`http://localhost:${port}/`)), /localhost: .*private, loopback/);
    assert.match(await failure(refused(`http://[::ffff:127.0.0.1]:${port}/`)), /private, loopback/);
  });
  test('reaches an allowed network, and checks every redirect', async () => {
    const allowed = guardedFetch(['127.0.0.1/32']);
    assert.equal(await (await allowed(`http://127.0.0.1:${port}/`)).text(), 'reached');
    assert.match(await failure(allowed(`http://127.0.0.1:${port}/hop`)), /127\.0\.0\.2 is private, loopback/);
    const refused = guardedFetch([]);
    assert.match(await failure(refused(`http://localhost:${port}/hop-name`)), /private, loopback/);
    const loopback = guardedFetch(['127.0.0.0/8', '::1/128']);
    assert.equal(await (await loopback(`http://127.0.0.1:${port}/hop-name`)).text(), 'reached');
  });
});
