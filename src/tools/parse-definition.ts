import type { z } from 'zod';
import { ApiError, badRequest } from '../api/errors.ts';
import { parseBody } from '../api/request.ts';

/** A hosted tool's definition checked against its schema: a 400 naming `tools[i].field` when it is wrong. */
export function parseDefinition<S extends z.ZodType>(
  schema: S,
  definition: unknown,
  path: string,
): z.output<S> {
  try {
    return parseBody(schema, definition);
  } catch (error) {
    if (!(error instanceof ApiError) || error.param === null) throw error;
    const param = `${path}.${error.param}`;
    throw badRequest(param, error.message.replaceAll(`'${error.param}'`, `'${param}'`), error.code);
  }
}
