import { lookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type { buildConnector, Dispatcher } from 'undici';
import { AddressPolicy } from './private-address.ts';

/** A connection refused by the address policy: its message says why, for the client to read. */
export class RefusedAddressError extends Error {
  readonly code = 'refused_address';
}

/**
 * `fetch` for URLs a client names: every connection it opens (the first request and each
 * redirect, each reconnect) resolves the host first and connects only to an address the policy
 * accepts, so a name that resolves to a private address, or a redirect to one, is refused at the
 * moment of connecting, not checked once and trusted later. undici loads with the first tool
 * connection.
 */
export function guardedFetch(allowedNetworks: readonly string[]): typeof fetch {
  const policy = new AddressPolicy(allowedNetworks);
  const guardedLookup = (
    hostname: string,
    options: object,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.map(({ address }) => policy.refusal(address)).find(Boolean);
      if (refused) return callback(new RefusedAddressError(`${hostname}: ${refused}`), []);
      const all = (options as { all?: boolean }).all === true;
      if (all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
  let dispatcher: Promise<Dispatcher> | undefined;
  const guardedDispatcher = async (): Promise<Dispatcher> => {
    const { Agent, buildConnector } = await import('undici');
    const connect = buildConnector({ lookup: guardedLookup } as buildConnector.BuildOptions);
    return new Agent({
      connect: (options, callback) => {
        // An address literal is connected to without a lookup: check it here.
        const host = options.hostname.replace(/^\[|\]$/g, '');
        const refused = isIP(host) ? policy.refusal(host) : undefined;
        if (refused) return callback(new RefusedAddressError(refused), null);
        return connect(options, callback);
      },
    });
  };
  return async (input, init) => {
    dispatcher ??= guardedDispatcher();
    return fetch(input, { ...init, dispatcher: await dispatcher } as RequestInit);
  };
}

/** What a failed tool fetch should tell the model or the client: the refusal, or the cause. */
export function fetchFailure(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof RefusedAddressError) return current.message;
    if (!current.cause) break;
    current = current.cause;
  }
  const last = current instanceof Error ? current : error instanceof Error ? error : undefined;
  return last?.message ?? String(error);
}
