import { z } from 'zod';
import { badRequest } from '../api/errors.ts';
import { INCLUDABLE } from '../api/request.ts';

const Includable = z.enum(INCLUDABLE);

/** The `include` (or `include[]`) query values of a list or retrieve endpoint; an unknown one is a 400. */
export function includeQuery(queries: Record<string, string[]>): string[] {
  const values = [...(queries.include ?? []), ...(queries['include[]'] ?? [])];
  for (const value of values)
    if (!Includable.safeParse(value).success)
      throw badRequest(
        'include',
        `Invalid 'include': '${value}' is not one of ${INCLUDABLE.join(', ')}.`,
        'invalid_value',
      );
  return values;
}
