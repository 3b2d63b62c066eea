import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Networks a server or search URL may not reach unless the config allows them. */
const PRIVATE_V4 = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const;
const PRIVATE_V6 = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const;

const privateNetworks = new BlockList();
for (const [network, prefix] of PRIVATE_V4) privateNetworks.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of PRIVATE_V6) privateNetworks.addSubnet(network, prefix, 'ipv6');

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
 * Decides which addresses tools may connect to: none in a private, loopback, link-local or
 * otherwise special network (IPv4, IPv6, and IPv4 carried inside IPv6), unless one of the
 * `allowed` networks (`127.0.0.1/32`, `::1/128`, `10.1.0.0/16`) holds it.
 */
export class AddressPolicy {
  private readonly allowed = new BlockList();

  constructor(allowed: readonly string[]) {
    for (const network of allowed) {
      const [address, prefix] = network.split('/') as [string, string | undefined];
      const type = isIPv4(address) ? 'ipv4' : 'ipv6';
      this.allowed.addSubnet(address, prefix ? Number(prefix) : type === 'ipv4' ? 32 : 128, type);
    }
  }

  /** Why a connection to `address` is refused, or undefined when it may go ahead. */
  refusal(address: string): string | undefined {
    const bare = address.replace(/^\[|\]$/g, '');
    const type = isIPv4(bare) ? 'ipv4' : isIPv6(bare) ? 'ipv6' : undefined;
    if (!type) return `'${address}' is not an IP address.`;
    if (this.allowed.check(bare, type)) return undefined;
    const inner = type === 'ipv6' ? embeddedIPv4(bare) : undefined;
    if (inner !== undefined) {
      if (this.allowed.check(inner, 'ipv4')) return undefined;
      if (privateNetworks.check(inner, 'ipv4')) return privateMessage(bare);
      return undefined;
    }
    return privateNetworks.check(bare, type) ? privateMessage(bare) : undefined;
  }
}

function privateMessage(address: string): string {
  return `The address ${address} is private, loopback or link-local; Portico's tools do not connect to it unless tools.allowed_networks allows it.`;
}
