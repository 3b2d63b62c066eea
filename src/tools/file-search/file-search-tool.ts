import { z } from 'zod';
import { notFound } from '../../api/errors.ts';
import type { Item } from '../../api/items.ts';
import { clip } from '../../api/limits.ts';
import type { NativeOutputItem } from '../../api/response.ts';
import type { FunctionTool } from '../../api/tools.ts';
import { AttributeFilter, RankingOptions } from '../../api/vector-stores.ts';
import type { SearchResult } from '../../retrieval/vector-store-service.ts';
import { replayedCall, type BoundTool, type ToolModule } from '../hosted-tool.ts';
import { parseArguments } from '../parse-arguments.ts';
import { openSearch, searchEvent } from '../search-events.ts';
import { parseDefinition } from '../parse-definition.ts';
import { citeFiles, type FoundFile } from './cite-files.ts';

const FileSearchDefinition = z.looseObject({
  type: z.literal('file_search'),
  vector_store_ids: z.array(z.string().min(1).max(256)).min(1, 'name at least one vector store').max(16),
  max_num_results: z.int().min(1).max(50).nullish(),
  ranking_options: RankingOptions.nullish(),
  filters: AttributeFilter.nullish(),
});

const SearchArguments = z.object({ queries: z.array(z.string().min(1).max(4096)).min(1).max(10) });

const FUNCTION_NAME = 'file_search';
const RESULTS = 'file_search_call.results';

const searchFunction: FunctionTool = {
  type: 'function',
  name: FUNCTION_NAME,
  description:
    "Search the user's uploaded files. Returns numbered passages with the name of the file each comes from; " +
    'name the files you use in your answer.',
  parameters: {
    type: 'object',
    properties: {
      queries: {
        type: 'array',
        items: { type: 'string' },
        description: 'One or more search queries, each a few words.',
      },
    },
    required: ['queries'],
    additionalProperties: false,
  },
  strict: true,
};

/** `file_search`: Portico's vector stores, searched with the definition's filters and ranking options. */
export const fileSearchTool: ToolModule = {
  types: ['file_search'],
  itemTypes: ['file_search_call'],

  async bind(definition, { services, path, include }) {
    const parsed = parseDefinition(FileSearchDefinition, definition, path);
    for (const [index, id] of parsed.vector_store_ids.entries())
      if (!(await services.stores.vectorStores.get(id, services.owner)))
        throw notFound(
          `No vector store found with id '${clip(id)}'.`,
          'vector_store_not_found',
          `${path}.vector_store_ids[${index}]`,
        );
    const found: FoundFile[] = [];
    const tool: BoundTool = {
      functions: [searchFunction],
      async *run(call, { signal }) {
        const id = services.newId('fs');
        const args = parseArguments(SearchArguments, call.arguments);
        const queries = args.ok ? args.value.queries : [];
        const self = { type: 'file_search_call', id };
        const item = (status: string, results: SearchResult[] | null = null): NativeOutputItem => ({
          ...self,
          status,
          queries,
          results:
            results && include.includes(RESULTS)
              ? results.map((result) => ({
                  file_id: result.file_id,
                  filename: result.filename,
                  score: result.score,
                  text: result.content.map((part) => part.text).join(''),
                  attributes: result.attributes ?? {},
                }))
              : null,
        });
        yield* openSearch(item('in_progress'));
        if (!args.ok) return { item: item('failed'), output: args.error };
        yield searchEvent(self, 'searching');
        let results: SearchResult[];
        try {
          ({ results } = await services.vectorStores.search(
            parsed.vector_store_ids,
            {
              queries,
              filters: parsed.filters,
              maxResults: parsed.max_num_results,
              ranking: parsed.ranking_options,
            },
            services.owner,
            signal,
          ));
        } catch (error) {
          if (signal.aborted) throw error;
          return { item: item('failed'), output: `The search failed: ${(error as Error).message}` };
        }
        found.push(...results);
        yield searchEvent(self, 'completed');
        return { item: item('completed', results), output: describe(results) };
      },
      cite: (text) => citeFiles(text, found),
    };
    return tool;
  },

  replay(item, newId): Item[] {
    const queries = item.type === 'file_search_call' ? (item as { queries?: unknown }).queries : undefined;
    return replayedCall(
      newId,
      `call_${item.id}`,
      FUNCTION_NAME,
      JSON.stringify({ queries: Array.isArray(queries) ? queries : [] }),
      'The passages this earlier search found are no longer shown; search again if you need them.',
    );
  },
};

/** The passages as the model reads them. */
function describe(results: readonly SearchResult[]): string {
  if (results.length === 0) return 'The search found nothing in the files.';
  return results
    .map(
      (result, index) =>
        `[${index + 1}] ${result.filename} (score ${result.score.toFixed(2)})\n${result.content.map((part) => part.text).join('')}`,
    )
    .join('\n\n');
}
