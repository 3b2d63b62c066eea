import type { AttributeFilter, Attributes } from '../api/vector-stores.ts';

/**
 * Whether a file's attributes pass a filter, as OpenAI compares them: `eq`/`ne` on equal
 * values, `gt`...`lte` on numbers (or on strings, in order), `in`/`nin` on lists; a comparison
 * on a key the file lacks fails (`ne` and `nin` too, as nothing is known about it).
 */
export function matchesFilter(attributes: Attributes | null, filter: AttributeFilter): boolean {
  if ('filters' in filter)
    return filter.type === 'and'
      ? filter.filters.every((inner) => matchesFilter(attributes, inner))
      : filter.filters.some((inner) => matchesFilter(attributes, inner));
  const value = attributes?.[filter.key];
  if (value === undefined) return false;
  if (Array.isArray(filter.value)) {
    const listed = filter.value.some((one) => one === value);
    return filter.type === 'in' ? listed : !listed;
  }
  if (filter.type === 'eq') return value === filter.value;
  if (filter.type === 'ne') return value !== filter.value;
  return ordered(value, filter.type as 'gt' | 'gte' | 'lt' | 'lte', filter.value);
}

function ordered(
  value: string | number | boolean,
  type: 'gt' | 'gte' | 'lt' | 'lte',
  bound: string | number | boolean,
): boolean {
  if (typeof value !== typeof bound || typeof value === 'boolean') return false;
  const order = value < bound ? -1 : value > bound ? 1 : 0;
  return type === 'gt' ? order > 0 : type === 'gte' ? order >= 0 : type === 'lt' ? order < 0 : order <= 0;
}
