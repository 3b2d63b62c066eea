import { badRequest } from '../api/errors.ts';
import type { PageQuery } from '../store/response-store.ts';

/**
 * `limit` (1-100, default 20, unless `bounds` says otherwise), `order` (asc|desc, default desc)
 * and `after` of the list endpoints.
 */
export function pageQuery(query: Record<string, string>, bounds = { max: 100, default: 20 }): PageQuery {
  const limit = query.limit === undefined ? bounds.default : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > bounds.max)
    throw badRequest('limit', `limit must be an integer from 1 to ${bounds.max}.`);
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw badRequest('order', "order must be 'asc' or 'desc'.");
  return { limit, order, ...(query.after ? { after: query.after } : {}) };
}
