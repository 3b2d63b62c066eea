import { BlockList, isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** The slice of `os.networkInterfaces()` that own addresses are read from. */
export type InterfaceAddresses = () => NodeJS.Dict<ReadonlyArray<{ address: string }>>;

/**
 * Every address of this machine's network interfaces, read now: a service bound to 0.0.0.0 or
 * :: answers on each of them, public ones included. Reading costs about 20 µs (getifaddrs), far
 * less than the connection it guards, so it is read at every check and an interface that comes
 * up later is covered at once.
 */
export function ownAddresses(read: InterfaceAddresses = networkInterfaces): BlockList {
  const own = new BlockList();
  for (const addresses of Object.values(read()))
    for (const { address } of addresses ?? []) own.addAddress(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  return own;
}
