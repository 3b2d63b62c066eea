import type { UpstreamOptions } from './upstream-options.ts';

/** How a provider's protocol sends its key: the header's name and value. */
export type KeyHeader = (apiKey: string) => [name: string, value: string];

export const bearerKey: KeyHeader = (apiKey) => ['authorization', `Bearer ${apiKey}`];

const built = new WeakMap<UpstreamOptions, Map<string, Readonly<Record<string, string>>>>();

/**
 * The headers of a POST to an upstream: JSON in, `accept` out, the protocol's own `fixed`
 * headers, the provider's configured headers over them, and its key over all. Names are
 * merged lower-cased, so a configured `Authorization` is replaced by the key, never sent
 * beside it. Built once per provider and `accept`: every request shares the object, which the
 * HTTP client only reads.
 */
export function upstreamHeaders(
  options: UpstreamOptions,
  accept: string,
  keyHeader: KeyHeader = bearerKey,
  fixed: Readonly<Record<string, string>> = {},
): Readonly<Record<string, string>> {
  let byAccept = built.get(options);
  if (!byAccept) built.set(options, (byAccept = new Map()));
  let headers = byAccept.get(accept);
  if (!headers) {
    const merged: Record<string, string> = { 'content-type': 'application/json', accept };
    for (const [name, value] of [...Object.entries(fixed), ...Object.entries(options.headers)])
      merged[name.toLowerCase()] = value;
    if (options.apiKey) {
      const [name, value] = keyHeader(options.apiKey);
      merged[name] = value;
    }
    byAccept.set(accept, (headers = merged));
  }
  return headers;
}
