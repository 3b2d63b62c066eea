import { ApiError } from '../api/errors.ts';
import { clip } from '../api/limits.ts';
import type { Item } from '../api/items.ts';
import type { EngineContext } from './engine-context.ts';

/**
 * The context behind `previous_response_id`: from the connection-local cache when the caller
 * has one (`previousItems`), else from the store. A 400 when neither knows the id.
 */
export async function previousResponseItems(id: string, ctx: EngineContext): Promise<Item[]> {
  const items = (await ctx.previousItems?.(id)) ?? (await ctx.store.history(id, ctx.owner));
  if (!items) {
    throw new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'previous_response_not_found',
      param: 'previous_response_id',
      message: `Previous response with id '${clip(id)}' not found.`,
    });
  }
  return items;
}
