import { isIPv4, isIPv6 } from 'node:net';

/** A network as `tools.allowed_networks` lists it (`10.1.0.0/16`, or an address alone), read; undefined when it is none. */
export function parseNetwork(
  text: string,
): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [address, prefix, ...rest] = text.split('/') as [string, string | undefined, ...string[]];
  const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!type || rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) return undefined;
  const bits = type === 'ipv4' ? 32 : 128;
  const length = prefix === undefined ? bits : Number(prefix);
  return length <= bits ? { address, prefix: length, type } : undefined;
}
