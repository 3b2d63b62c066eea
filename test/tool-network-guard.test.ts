import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { isIPv4, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { boundedFetch } from '../src/tools/network/bounded-fetch.ts';
import { fetchFailure, guardedFetch } from '../src/tools/network/guarded-fetch.ts';
import { operatorFetch } from '../src/tools/network/operator-fetch.ts';
import { AddressPolicy, embeddedIPv4 } from '../src/tools/network/private-address.ts';

let server: Server;
let port: number;
before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/large') {
      response.end(Buffer.alloc(2 * 1024 * 1024, 'x'));
      return;
    }
    if (request.url?.startsWith('/hop')) {
      // A redirect to another loopback address, or to a name that resolves to loopback.
      const target = request.url === '/hop' ? `http://127.0.0.2:${port}/end` : `http://localhost:${port}/end`;
      response.writeHead(302, { location: target }).end();
      return;
    }
    response.end('reached');
  });
  // On every address, as a service bound to 0.0.0.0 is: this machine's own addresses reach it.
  await new Promise<void>((resolve) => server.listen(0, resolve));
  port = (server.address() as AddressInfo).port;
});

/** This machine's addresses other than loopback, as its network interfaces list them. */
const ownAddresses = Object.values(networkInterfaces())
  .flatMap((addresses) => addresses ?? [])
  .filter((address) => !address.internal)
  .map(({ address }) => address);
const NO_OWN_ADDRESS = 'this machine has no network interface other than loopback';
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
      assert.match(
        policy.refusal(address) ?? 'allowed',
        /private, loopback, link-local or reserved/,
        address,
      );
  });
  test('refuses the documentation, relay, discard, Teredo and local NAT64 ranges', () => {
    for (const address of [
      '192.0.2.1',
      '198.51.100.7',
      '203.0.113.9',
      '192.88.99.1', // 6to4 relay anycast
      '2001:db8::1',
      '3fff::1',
      '100::1', // discard-only
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
      '2001:2::1', // benchmarking
      '64:ff9b:1::a00:1', // local-use NAT64
      '::ffff:0:7f00:1', // IPv4-translated 127.0.0.1: the reserved ::/8
      // The same ranges carried inside IPv6: mapped, NAT64, 6to4.
      '::ffff:192.0.2.1',
      '64:ff9b::c633:6401',
      '2002:cb00:7101::1',
    ])
      assert.match(
        policy.refusal(address) ?? 'allowed',
        /private, loopback, link-local or reserved/,
        address,
      );
  });
  test('lets public addresses through', () => {
    for (const address of [
      '93.184.216.34',
      '1.1.1.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808', // NAT64 of 8.8.8.8
      '2002:808:808::1', // 6to4 of 8.8.8.8
    ])
      assert.equal(policy.refusal(address), undefined, address);
  });
  test("refuses this machine's own addresses, as its interfaces list them", (t) => {
    if (ownAddresses.length === 0) return t.skip(NO_OWN_ADDRESS);
    for (const address of ownAddresses) assert.ok(policy.refusal(address), `${address} is refused`);
  });
  test('names a public address of this machine as its own, read at every check', () => {
    // The interfaces of a VPS with a public address: injected, as no test machine has one.
    let interfaces: Record<string, Array<{ address: string }>> = {};
    const vps = new AddressPolicy([], () => interfaces);
    assert.equal(vps.refusal('93.184.216.34'), undefined);
    interfaces = { eth0: [{ address: '93.184.216.34' }, { address: '2606:2800:220:1::1' }] };
    assert.match(vps.refusal('93.184.216.34') ?? 'allowed', /93\.184\.216\.34 is this machine's own address/);
    assert.match(vps.refusal('::ffff:93.184.216.34') ?? 'allowed', /this machine's own address/);
    assert.match(vps.refusal('2606:2800:220:1::1') ?? 'allowed', /this machine's own address/);
    assert.equal(vps.refusal('93.184.216.35'), undefined);
    assert.equal(
      new AddressPolicy(['93.184.216.34/32'], () => interfaces).refusal('93.184.216.34'),
      undefined,
    );
  });
  test('allows exactly the networks the config names', () => {
    const loopback = new AddressPolicy(['127.0.0.1/32', '::1/128']);
    assert.equal(loopback.refusal('127.0.0.1'), undefined);
    assert.equal(loopback.refusal('::1'), undefined);
    assert.equal(loopback.refusal('::ffff:127.0.0.1'), undefined);
    assert.ok(loopback.refusal('127.0.0.2'));
    assert.ok(loopback.refusal('10.0.0.1'));
    const special = new AddressPolicy(['192.0.2.0/24', '2001:db8::/32', '2001::/32', ...ownAddresses]);
    for (const address of [
      '192.0.2.1',
      '::ffff:192.0.2.1',
      '2001:db8::1',
      '2001:0:4136:e378::1',
      ...ownAddresses,
    ])
      assert.equal(special.refusal(address), undefined, address);
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
    assert.match(await failure(refused(`http://192.0.2.1:${port}/`)), /192\.0\.2\.1 is .* reserved/);
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
  test("refuses this machine's own address, where a service on 0.0.0.0 answers", async (t) => {
    if (ownAddresses.length === 0) return t.skip(NO_OWN_ADDRESS);
    const own = ownAddresses.find((address) => isIPv4(address)) ?? ownAddresses[0]!;
    const host = isIPv4(own) ? own : `[${own}]`;
    const refused = guardedFetch([]);
    assert.match(await failure(refused(`http://${host}:${port}/`)), /is (private|this machine's own)/);
    const allowed = guardedFetch([own]);
    assert.equal(await (await allowed(`http://${host}:${port}/`)).text(), 'reached');
  });
});

describe('the fetch for URLs in the config', () => {
  test('reaches loopback without any allowed network, and refuses a redirect, naming it', async () => {
    const configured = operatorFetch();
    assert.equal(await (await configured(`http://127.0.0.1:${port}/`)).text(), 'reached');
    const error = await failure(configured(`http://127.0.0.1:${port}/hop`));
    assert.match(
      error,
      /answered HTTP 302, a redirect to http:\/\/127\.0\.0\.2:\d+\/end; Portico does not follow/,
    );
  });
});

describe('bounded fetch', () => {
  test('a body past the limit is an error; one within it is read whole', async () => {
    const allowed = guardedFetch(['127.0.0.1/32']);
    const small = boundedFetch(allowed, 1024 * 1024);
    await assert.rejects((await small(`http://127.0.0.1:${port}/large`)).text(), /passed 1048576 bytes/);
    const large = boundedFetch(allowed, 4 * 1024 * 1024);
    assert.equal((await (await large(`http://127.0.0.1:${port}/large`)).text()).length, 2 * 1024 * 1024);
  });
});
