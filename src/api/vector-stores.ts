import { z } from 'zod';
import { Metadata } from './request.ts';

/** Attribute values of a vector-store file: at most 16 keys, keys up to 64 characters, strings up to 512. */
export const Attributes = z
  .record(
    z.string().max(64, 'attribute keys are at most 64 characters'),
    z.union([z.string().max(512, 'attribute strings are at most 512 characters'), z.number(), z.boolean()]),
  )
  .refine((value) => Object.keys(value).length <= 16, 'at most 16 attributes');
export type Attributes = z.output<typeof Attributes>;

/** OpenAI's `auto` chunking: 800-token chunks, 400 tokens shared between neighbours. */
export const DEFAULT_CHUNKING = { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } as const;

export const ChunkingStrategyParam = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto') }),
  z.strictObject({
    type: z.literal('static'),
    static: z
      .strictObject({
        max_chunk_size_tokens: z.int().min(100).max(4096),
        chunk_overlap_tokens: z.int().min(0),
      })
      .refine(
        (value) => value.chunk_overlap_tokens <= value.max_chunk_size_tokens / 2,
        'chunk_overlap_tokens must not exceed half of max_chunk_size_tokens',
      ),
  }),
]);
export type ChunkingStrategyParam = z.output<typeof ChunkingStrategyParam>;

/** How a file was chunked, as a vector-store file shows it. */
export interface ChunkingStrategy {
  type: 'static';
  static: { max_chunk_size_tokens: number; chunk_overlap_tokens: number };
}

export function chunkingStrategy(param: ChunkingStrategyParam | undefined): ChunkingStrategy {
  return { type: 'static', static: param?.type === 'static' ? param.static : { ...DEFAULT_CHUNKING } };
}

const ExpiresAfter = z.strictObject({
  anchor: z.literal('last_active_at'),
  days: z.int().min(1).max(365),
});
export type ExpiresAfter = z.output<typeof ExpiresAfter>;

const FileIds = z.array(z.string().min(1).max(256)).max(500, 'at most 500 files at a time');

/** `POST /v1/vector_stores`. */
export const CreateVectorStoreBody = z.strictObject({
  name: z.string().max(256).nullish(),
  description: z.string().max(512).nullish(),
  metadata: Metadata.nullish(),
  expires_after: ExpiresAfter.nullish(),
  file_ids: FileIds.nullish(),
  chunking_strategy: ChunkingStrategyParam.nullish(),
});

/** `POST /v1/vector_stores/:id`. */
export const UpdateVectorStoreBody = z.strictObject({
  name: z.string().max(256).nullish(),
  metadata: Metadata.nullish(),
  expires_after: ExpiresAfter.nullish(),
});

/** `POST /v1/vector_stores/:id/files`. */
export const CreateVectorStoreFileBody = z.strictObject({
  file_id: z.string().min(1).max(256),
  attributes: Attributes.nullish(),
  chunking_strategy: ChunkingStrategyParam.nullish(),
});

/** `POST /v1/vector_stores/:id/files/:file_id`. */
export const UpdateVectorStoreFileBody = z.strictObject({ attributes: Attributes.nullable() });

/** `POST /v1/vector_stores/:id/file_batches`: `file_ids`, or `files` each with its own settings. */
export const CreateFileBatchBody = z
  .strictObject({
    file_ids: FileIds.nullish(),
    files: z.array(CreateVectorStoreFileBody).max(500, 'at most 500 files at a time').nullish(),
    attributes: Attributes.nullish(),
    chunking_strategy: ChunkingStrategyParam.nullish(),
  })
  .refine((body) => (body.file_ids ? 1 : 0) + (body.files ? 1 : 0) === 1, {
    message: 'give either file_ids or files',
    path: ['file_ids'],
  });

/** Attribute filters of search and file_search: comparisons, combined with `and` / `or`. */
export type AttributeFilter =
  | { type: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; key: string; value: string | number | boolean }
  | { type: 'in' | 'nin'; key: string; value: Array<string | number> }
  | { type: 'and' | 'or'; filters: AttributeFilter[] };

/** Filters nest at most this deep, so that evaluating one is bounded. */
const MAX_FILTER_DEPTH = 8;

const comparison = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']),
    key: z.string().max(64),
    value: z.union([z.string(), z.number(), z.boolean()]),
  }),
  z.strictObject({
    type: z.enum(['in', 'nin']),
    key: z.string().max(64),
    value: z.array(z.union([z.string(), z.number()])).max(100),
  }),
]);

function filterAt(depth: number): z.ZodType<AttributeFilter> {
  if (depth >= MAX_FILTER_DEPTH) return comparison;
  return z.union([
    comparison,
    z.strictObject({
      type: z.enum(['and', 'or']),
      filters: z.array(z.lazy(() => filterAt(depth + 1))).max(32),
    }),
  ]);
}
export const AttributeFilter: z.ZodType<AttributeFilter> = filterAt(0);

export const RankingOptions = z.strictObject({
  ranker: z.enum(['none', 'auto', 'default-2024-11-15']).nullish(),
  score_threshold: z.number().min(0).max(1).nullish(),
  hybrid_search: z
    .strictObject({ embedding_weight: z.number().min(0), text_weight: z.number().min(0) })
    .nullish(),
});
export type RankingOptions = z.output<typeof RankingOptions>;

/** `POST /v1/vector_stores/:id/search`. */
export const SearchVectorStoreBody = z.strictObject({
  query: z.union([z.string().min(1).max(4096), z.array(z.string().min(1).max(4096)).min(1).max(10)]),
  filters: AttributeFilter.nullish(),
  max_num_results: z.int().min(1).max(50).nullish(),
  ranking_options: RankingOptions.nullish(),
  rewrite_query: z.boolean().nullish(),
});
