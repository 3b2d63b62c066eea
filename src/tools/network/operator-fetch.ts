/** The statuses fetch follows as redirects. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * `fetch` for URLs the operator configured (the search backend): trusted at any address, so it
 * is not guarded (a SearXNG on loopback needs no `tools.allowed_networks`, which would open
 * loopback to every client's URLs too), but it reaches only the URL configured. A redirect is an
 * error, not followed: it could point anywhere, a cloud metadata address included.
 */
export function operatorFetch(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, { ...init, redirect: 'manual' });
    if (!REDIRECTS.has(response.status)) return response;
    await response.body?.cancel();
    const from = new URL(input instanceof Request ? input.url : input).origin;
    const to = response.headers.get('location') ?? 'nowhere named';
    throw new Error(
      `${from} answered HTTP ${response.status}, a redirect to ${to}; Portico does not follow redirects from a URL in its config: configure the URL it redirects to instead.`,
    );
  };
}
