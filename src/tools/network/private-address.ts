import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { parseNetwork } from '../../config/parse-network.ts';
import { ownAddresses, type InterfaceAddresses } from './own-addresses.ts';

/**
 * Networks a URL a client names may not reach unless the config allows them: private and
 * special-purpose ones (IANA's IPv4 and IPv6 special-purpose address registries), none of them
 * a public server's.
 */
const SPECIAL_V4 = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const;
const SPECIAL_V6 = [
  // Unspecified, loopback and the rest of the IETF-reserved ::/8, local-use NAT64
  // (64:ff9b:1::/48) included; its forms that carry an IPv4 address (mapped, compatible,
  // NAT64's 64:ff9b::/96) are read as that address instead.
  ['::', 8],
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: a tunnel whose IPv4 server and client are hidden in the address
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const;

// Two lists: a BlockList checks an IPv4 address against its IPv6 rules too, as ::ffff:a.b.c.d,
// which ::/8 holds.
const specialNetworks = { ipv4: new BlockList(), ipv6: new BlockList() };
for (const [network, prefix] of SPECIAL_V4) specialNetworks.ipv4.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of SPECIAL_V6) specialNetworks.ipv6.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address);
  if (!groups) return undefined;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const zero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zero(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!); // ::ffff:a.b.c.d
  if (zero(0, 6) && (groups[6] !== 0 || groups[7]! > 1)) return v4(groups[6]!, groups[7]!); // ::a.b.c.d
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return v4(groups[6]!, groups[7]!); // NAT64
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!); // 6to4
  return undefined;
}

/** An IPv6 address as its eight 16-bit groups (a dotted IPv4 tail included). */
function expandIPv6(address: string): number[] | undefined {
  if (!isIPv6(address)) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

/**
 * Decides which addresses tools may connect to for a URL a client names: none in a private,
 * loopback, link-local or otherwise special network (IPv4, IPv6, and IPv4 carried inside IPv6),
 * and none of this machine's own, unless one of the `allowed` networks (`127.0.0.1/32`,
 * `::1/128`, `10.1.0.0/16`) holds it.
 */
export class AddressPolicy {
  private readonly allowed = new BlockList();

  constructor(
    allowed: readonly string[],
    private readonly interfaces?: InterfaceAddresses,
  ) {
    for (const text of allowed) {
      const network = parseNetwork(text);
      if (!network) throw new Error(`'${text}' is not an address or a network.`);
      this.allowed.addSubnet(network.address, network.prefix, network.type);
    }
  }

  /** Why a connection to `address` is refused, or undefined when it may go ahead. */
  refusal(address: string): string | undefined {
    const bare = address.replace(/^\[|\]$/g, '');
    const type = isIPv4(bare) ? 'ipv4' : isIPv6(bare) ? 'ipv6' : undefined;
    if (!type) return `'${address}' is not an IP address.`;
    const inner = type === 'ipv6' ? embeddedIPv4(bare) : undefined;
    const isIn = (networks: BlockList) =>
      networks.check(bare, type) || (inner !== undefined && networks.check(inner, 'ipv4'));
    if (isIn(this.allowed)) return undefined;
    // An address that carries an IPv4 address goes where that address goes: only it is checked.
    const special =
      inner !== undefined
        ? specialNetworks.ipv4.check(inner, 'ipv4')
        : specialNetworks[type].check(bare, type);
    if (special)
      return `The address ${bare} is private, loopback, link-local or reserved for special use; ${UNLESS_ALLOWED}`;
    if (isIn(ownAddresses(this.interfaces)))
      return `The address ${bare} is this machine's own address; ${UNLESS_ALLOWED}`;
    return undefined;
  }
}

const UNLESS_ALLOWED = "Portico's tools do not connect to it unless tools.allowed_networks allows it.";
