import { badRequest } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import type { Provider } from '../providers/provider.ts';

/**
 * Whether Portico answers this input's `{type: "compaction_trigger"}` by compacting the context
 * (fit-context.ts): a provider that compacts natively (OpenAI) is handed the trigger as it came.
 * OpenAI's schema says the trigger must be the last input item: one anywhere else is a 400
 * naming it, for every model.
 */
export function compactionTriggered(input: readonly Item[], provider: Provider): boolean {
  const at = input.findIndex((item) => item.type === 'compaction_trigger');
  if (at === -1) return false;
  if (at !== input.length - 1)
    throw badRequest(
      `input[${at}]`,
      `A 'compaction_trigger' item must be the last input item; input[${at}] is followed by ${input.length - 1 - at} more.`,
      'invalid_value',
    );
  return provider.compact === undefined;
}
