import { z } from 'zod';
import { SEARCH_TERMS, searchTerms } from './log-search-words.ts';

/** `patchLog(id, {feedback, score, metadata})` and `PATCH /v1/logs/:id`. */
export const PatchLogRequest = z.strictObject({
  feedback: z
    .union([z.literal(-1), z.literal(1), z.null()], { error: 'feedback is -1, 1 or null' })
    .optional(),
  score: z.number('score is a number').min(0).max(100, 'score is from 0 to 100').nullable().optional(),
  metadata: z
    .record(z.string().min(1).max(64), z.union([z.string().max(512), z.number(), z.boolean(), z.null()]))
    .refine((m) => Object.keys(m).length <= 5, 'metadata has at most 5 entries')
    .nullable()
    .optional(),
});
export type PatchLogRequest = z.output<typeof PatchLogRequest>;

/** A time in a query: seconds since the epoch, or an ISO 8601 date; as milliseconds. */
const QueryTime = z.string().transform((text, ctx) => {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be seconds since the epoch or an ISO 8601 date' });
    return z.NEVER;
  }
  return ms;
});

/** A word search: its words (log-search-text.ts), at least one, at most SEARCH_TERMS. */
const SearchQuery = z
  .string()
  .max(256, 'search is at most 256 characters')
  .transform(searchTerms)
  .refine((terms) => terms.length > 0, 'search needs a letter or a digit')
  .refine((terms) => terms.length <= SEARCH_TERMS, `search has at most ${SEARCH_TERMS} words`);

/** Thumbs up (1) or down (-1; Cloudflare's list also takes 0 for it). */
const FeedbackQuery = z
  .enum(['-1', '0', '1'], 'feedback is -1, 0 or 1')
  .transform((text) => (text === '1' ? 1 : -1));

const QueryBoolean = z
  .enum(['true', 'false'], "must be 'true' or 'false'")
  .transform((text) => text === 'true');

/** The filters of `GET /v1/logs` and `GET /v1/analytics`. */
export const LogFilterQuery = z.object({
  project: z.string().min(1).max(64).optional(),
  gateway: z.string().min(1).max(64).optional(),
  model: z.string().min(1).max(200).optional(),
  provider: z.string().min(1).max(64).optional(),
  key_id: z.string().min(1).max(100).optional(),
  success: QueryBoolean.optional(),
  cached: QueryBoolean.optional(),
  event_id: z.string().min(1).max(256).optional(),
  from: QueryTime.optional(),
  to: QueryTime.optional(),
  search: SearchQuery.optional(),
  feedback: FeedbackQuery.optional(),
  model_type: z.string().min(1).max(64).optional(),
});

export const LogListQuery = LogFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(100, 'limit is at most 100').default(20),
  order: z.enum(['asc', 'desc'], "order must be 'asc' or 'desc'").default('desc'),
  after: z.string().min(1).max(100).optional(),
});

export const METADATA_GROUP_PREFIX = 'metadata.';
/** Keys analytics groups by: letters, digits, `_` and `-` (the key is spelled into the SQL). */
export const METADATA_GROUP_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** Bucket widths in milliseconds; `range` is one bucket for the whole range (totals and their percentiles). */
const BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000, range: 0 } as const;

/** What analytics break a range down by, besides a metadata key's values (`metadata.<key>`). */
export const GROUP_DIMENSIONS = [
  'model',
  'provider',
  'gateway',
  'key',
  'project',
  'prompt',
  'prompt_version',
] as const;

export const AnalyticsQuery = LogFilterQuery.extend({
  bucket: z
    .enum(['minute', 'hour', 'day', 'range'], "bucket is 'minute', 'hour', 'day' or 'range'")
    .default('hour')
    .transform((b) => BUCKETS[b]),
  group_by: z
    .union(
      [
        z.enum(GROUP_DIMENSIONS),
        z.templateLiteral([METADATA_GROUP_PREFIX, z.string().regex(METADATA_GROUP_KEY)]),
      ],
      `group_by is ${GROUP_DIMENSIONS.join(', ')} or metadata.<key> (a key of letters, digits, _ and -)`,
    )
    .optional(),
});

const Bound = z.coerce.number('must be a number').min(0, 'must not be negative').optional();
const DIRECTION = z.enum(['asc', 'desc'], "must be 'asc' or 'desc'").optional();

/** `DELETE /v1/logs`: what the list filters find, oldest first, up to `limit` (all without one). */
export const LogDeleteQuery = LogFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(10_000_000).optional(),
  order: z.enum(['asc', 'desc'], "order must be 'asc' or 'desc'").default('asc'),
});

const LIST_ORDER = ['created_at', 'provider', 'model', 'model_type', 'success', 'cached'] as const;
const DELETE_ORDER = [...LIST_ORDER, 'cost', 'tokens_in', 'tokens_out', 'duration', 'feedback'] as const;

/**
 * Cloudflare's `GET .../ai-gateway/gateways/:gateway/logs` (its SDK's `aiGateway.logs.list`):
 * numbered pages, its order, word search, structured `filters` (read apart, see
 * log-filter-query.ts) and its older one-field filters, `meta_info` (the ranges of what was
 * found), with Portico's `key_id`, `event_id` and `project` beside them.
 */
export const CloudflareLogListQuery = z.strictObject({
  page: z.coerce.number().int().min(1, 'page starts at 1').max(1_000_000).default(1),
  per_page: z.coerce.number().int().min(1).max(100, 'per_page is at most 100').default(20),
  order_by: z.enum(LIST_ORDER, `order_by is ${LIST_ORDER.join(', ')}`).default('created_at'),
  order_by_direction: DIRECTION,
  /** Cloudflare's older name for order_by_direction. */
  direction: DIRECTION,
  start_date: QueryTime.optional(),
  end_date: QueryTime.optional(),
  model: LogFilterQuery.shape.model,
  provider: LogFilterQuery.shape.provider,
  success: QueryBoolean.optional(),
  cached: QueryBoolean.optional(),
  key_id: LogFilterQuery.shape.key_id,
  event_id: LogFilterQuery.shape.event_id,
  project: LogFilterQuery.shape.project,
  search: LogFilterQuery.shape.search,
  feedback: LogFilterQuery.shape.feedback,
  model_type: LogFilterQuery.shape.model_type,
  request_content_type: z.string().min(1).max(100).optional(),
  response_content_type: z.string().min(1).max(100).optional(),
  meta_info: QueryBoolean.optional(),
  min_cost: Bound,
  max_cost: Bound,
  min_duration: Bound,
  max_duration: Bound,
  min_tokens_in: Bound,
  max_tokens_in: Bound,
  min_tokens_out: Bound,
  max_tokens_out: Bound,
  min_total_tokens: Bound,
  max_total_tokens: Bound,
});
export type CloudflareLogListQuery = z.output<typeof CloudflareLogListQuery>;

/**
 * Cloudflare's `DELETE .../ai-gateway/gateways/:gateway/logs` (its SDK's `aiGateway.logs.delete`):
 * what its `filters` find, in its order, up to `limit` (all without one), oldest first unless
 * told; `project` narrows an admin key's deletion as it narrows its reads.
 */
export const CloudflareLogDeleteQuery = z.strictObject({
  limit: LogDeleteQuery.shape.limit,
  order_by: z.enum(DELETE_ORDER, `order_by is ${DELETE_ORDER.join(', ')}`).default('created_at'),
  order_by_direction: z.enum(['asc', 'desc'], "must be 'asc' or 'desc'").default('asc'),
  project: LogFilterQuery.shape.project,
});
