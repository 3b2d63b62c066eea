import type { Annotation } from '../hosted-tool.ts';
import type { SearchResult } from './searxng-search.ts';

/**
 * `url_citation` annotations for the search results a message names: each place the text
 * holds a result's URL is cited, with the result's title.
 */
export function citeUrls(text: string, results: readonly SearchResult[]): Annotation[] {
  const annotations: Annotation[] = [];
  const seen = new Set<string>();
  for (const result of results) {
    if (seen.has(result.url)) continue;
    seen.add(result.url);
    for (let at = text.indexOf(result.url); at >= 0; at = text.indexOf(result.url, at + result.url.length))
      annotations.push({
        type: 'url_citation',
        url: result.url,
        title: result.title,
        start_index: at,
        end_index: at + result.url.length,
      });
  }
  return annotations.sort((a, b) => (a.start_index as number) - (b.start_index as number));
}
