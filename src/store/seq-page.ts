import { badRequest } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { ListQuery, ObjectPage } from './vector-store-store.ts';

/** The open interval of `seq` a page reads, from the `seq` of its `after` and `before` objects. */
export interface SeqBounds {
  lower: number;
  upper: number;
}

/**
 * Bounds for a page: `after` starts it past that object in the page's order, `before` ends it
 * short of that one. `found` gives an object's `seq` (undefined when it is not in the list,
 * a 400 naming the parameter).
 */
export function seqBounds(query: ListQuery, found: (id: string) => number | undefined): SeqBounds {
  const at = (param: 'after' | 'before', id: string): number => {
    const seq = found(id);
    if (seq === undefined) throw badRequest(param, `No object with id '${clip(id)}' in this list.`);
    return seq;
  };
  const bounds = { lower: 0, upper: Number.MAX_SAFE_INTEGER };
  const asc = query.order === 'asc';
  if (query.after !== undefined) bounds[asc ? 'lower' : 'upper'] = at('after', query.after);
  if (query.before !== undefined) bounds[asc ? 'upper' : 'lower'] = at('before', query.before);
  return bounds;
}

/** A page from up to `limit + 1` objects (the extra one says there is more). */
export function toObjectPage<T extends { id: string }>(objects: readonly T[], limit: number): ObjectPage<T> {
  const data = objects.slice(0, limit);
  return {
    object: 'list',
    data,
    has_more: objects.length > limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
