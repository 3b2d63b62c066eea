import { z } from 'zod';
import { fetchFailure } from '../network/guarded-fetch.ts';
import { readBounded } from '../network/read-bounded.ts';

/** One search result, as the model and the citations see it. */
export interface SearchResult {
  url: string;
  title: string;
  snippet: string;
}

const SearxResults = z.looseObject({
  results: z.array(
    z.looseObject({ url: z.string(), title: z.string().nullish(), content: z.string().nullish() }),
  ),
});

/** Bytes of a search backend's answer Portico reads at most. */
const MAX_ANSWER_BYTES = 2_000_000;

/**
 * Asks a SearXNG-compatible JSON API (`GET {base}/search?q=...&format=json`) through the fetch
 * for URLs the operator configured: any address, no redirects.
 */
export async function searxngSearch(
  fetcher: typeof fetch,
  base: string,
  query: string,
  signal: AbortSignal,
): Promise<SearchResult[]> {
  const url = new URL('search', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('q', query);
  url.searchParams.set('format', 'json');
  let response: Response;
  try {
    response = await fetcher(url, { signal, headers: { accept: 'application/json' } });
  } catch (error) {
    throw new Error(`The search backend could not be reached: ${fetchFailure(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`The search backend answered HTTP ${response.status}.`);
  }
  const text = await readBounded(response, MAX_ANSWER_BYTES, 'The search backend');
  let parsed: z.output<typeof SearxResults>;
  try {
    parsed = SearxResults.parse(JSON.parse(text));
  } catch {
    throw new Error('The search backend did not answer with SearXNG JSON results.');
  }
  return parsed.results.map((result) => ({
    url: result.url,
    title: result.title ?? result.url,
    snippet: result.content ?? '',
  }));
}
