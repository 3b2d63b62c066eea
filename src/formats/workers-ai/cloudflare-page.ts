import { z } from 'zod';
import { envelope } from '../../api/workers-ai-envelope.ts';

/** Cloudflare's numbered pages (`page` from 1, `per_page` up to 100), `per_page` defaulting as each list does. */
export function cloudflarePageQuery(defaultPerPage: number) {
  return z.strictObject({
    page: z.coerce.number().int().min(1, 'page starts at 1').max(1_000_000).default(1),
    per_page: z.coerce.number().int().min(1).max(100, 'per_page is at most 100').default(defaultPerPage),
  });
}

export interface CloudflarePage {
  page: number;
  per_page: number;
}

/** The items of one page of a list held whole. */
export function pageItems<T>(items: readonly T[], query: CloudflarePage): T[] {
  const start = (query.page - 1) * query.per_page;
  return items.slice(start, start + query.per_page);
}

/** A page of a list in Cloudflare's envelope, with its `result_info`. */
export function pagedEnvelope<T>(
  result: readonly T[],
  query: CloudflarePage,
  total: number,
  more: Record<string, unknown> = {},
) {
  return {
    ...envelope(result),
    result_info: {
      page: query.page,
      per_page: query.per_page,
      count: result.length,
      total_count: total,
      ...more,
    },
  };
}
