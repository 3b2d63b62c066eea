import { z } from 'zod';
import type { Item } from '../../api/items.ts';
import type { NativeOutputItem } from '../../api/response.ts';
import type { FunctionTool } from '../../api/tools.ts';
import { replayedCall, type BoundTool, type ToolModule } from '../hosted-tool.ts';
import { parseDefinition } from '../parse-definition.ts';
import { parseArguments } from '../parse-arguments.ts';
import { openSearch, searchEvent } from '../search-events.ts';
import { citeUrls } from './cite-urls.ts';
import { searxngSearch, type SearchResult } from './searxng-search.ts';

const WebSearchDefinition = z.looseObject({
  type: z.string(),
  filters: z
    .looseObject({ allowed_domains: z.array(z.string().min(1).max(253)).max(100).nullish() })
    .nullish(),
  search_context_size: z.enum(['low', 'medium', 'high']).nullish(),
  user_location: z.looseObject({}).nullish(),
});

const SearchArguments = z.object({ query: z.string().min(1).max(1000) });

const FUNCTION_NAME = 'web_search';
const SOURCES = 'web_search_call.action.sources';
/** Characters of one result's snippet the model reads, by `search_context_size`. */
const SNIPPET_CHARS = { low: 300, medium: 800, high: 2000 } as const;

const searchFunction: FunctionTool = {
  type: 'function',
  name: FUNCTION_NAME,
  description:
    'Search the web. Returns numbered results with their title, URL and an excerpt; cite the URLs you use.',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string', description: 'What to search for.' } },
    required: ['query'],
    additionalProperties: false,
  },
  strict: true,
};

/** `web_search`: a SearXNG-compatible search backend set by `tools.web_search.url`. */
export const webSearchTool: ToolModule = {
  types: ['web_search', 'web_search_2025_08_26', 'web_search_preview', 'web_search_preview_2025_03_11'],
  itemTypes: ['web_search_call'],

  async bind(definition, { services, path, include }) {
    const parsed = parseDefinition(WebSearchDefinition, definition, path);
    const base = services.config.webSearch.url;
    if (!base) return undefined;
    const domains = parsed.filters?.allowed_domains ?? [];
    const snippetChars = SNIPPET_CHARS[parsed.search_context_size ?? 'medium'];
    const found: SearchResult[] = [];
    const tool: BoundTool = {
      functions: [searchFunction],
      async *run(call, { signal }) {
        const id = services.newId('ws');
        const args = parseArguments(SearchArguments, call.arguments);
        const query = args.ok ? args.value.query : '';
        const action = { type: 'search', query, queries: query ? [query] : [] };
        const self = { type: 'web_search_call', id };
        const item = (status: string, extra: object = {}): NativeOutputItem => ({
          ...self,
          status,
          action: { ...action, ...extra },
        });
        yield* openSearch(item('in_progress'));
        if (!args.ok) return { item: item('failed'), output: args.error };
        yield searchEvent(self, 'searching');
        let results: SearchResult[];
        try {
          results = await searxngSearch(services.operatorFetch, base, query, signal);
        } catch (error) {
          if (signal.aborted) throw error;
          return { item: item('failed'), output: (error as Error).message };
        }
        results = results
          .filter((result) => allowedDomain(result.url, domains))
          .slice(0, services.config.webSearch.maxResults);
        found.push(...results);
        yield searchEvent(self, 'completed');
        const sources = results.map((result) => ({ type: 'url', url: result.url }));
        return {
          item: item('completed', include.includes(SOURCES) ? { sources } : {}),
          output: describe(results, snippetChars),
        };
      },
      cite: (text) => citeUrls(text, found),
    };
    return tool;
  },

  replay(item, newId): Item[] {
    const action =
      item.type === 'web_search_call' ? (item as { action?: { query?: unknown } }).action : undefined;
    const query = typeof action?.query === 'string' ? action.query : '';
    return replayedCall(
      newId,
      `call_${item.id}`,
      FUNCTION_NAME,
      JSON.stringify({ query }),
      'The results of this earlier search are no longer shown; search again if you need them.',
    );
  },
};

/** A result's domain is one of `domains` or under one; no domains: every result. */
function allowedDomain(url: string, domains: readonly string[]): boolean {
  if (domains.length === 0) return true;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return domains.some((domain) => {
    const wanted = domain
      .toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '');
    return host === wanted || host.endsWith(`.${wanted}`);
  });
}

/** The results as the model reads them. */
function describe(results: readonly SearchResult[], snippetChars: number): string {
  if (results.length === 0) return 'The search found nothing.';
  return results
    .map(
      (result, index) =>
        `[${index + 1}] ${result.title}\n${result.url}\n${result.snippet.slice(0, snippetChars)}`,
    )
    .join('\n\n');
}
