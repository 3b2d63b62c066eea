import type { Item } from '../api/items.ts';
import type { NativeOutputItem, Usage } from '../api/response.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { Turn } from '../providers/provider.ts';
import { checkpointItems, sealCheckpoint } from './compaction-item.ts';
import type { EngineContext } from './engine-context.ts';
import { summarizeItems } from './summarize-context.ts';

/** A compaction Portico made: its item, the summary's usage, and what later turns read in its place. */
export interface MadeCompaction {
  item: NativeOutputItem;
  usage: Usage | undefined;
  /** The checkpoint as a model reads it (checkpointItems): the summary, then the items kept. */
  items: Item[];
}

/**
 * The one way Portico compacts for a model that does not compact natively (`POST
 * /responses/compact`, `context_management`, a `compaction_trigger`): the model summarizes
 * `items`, and a `compaction` item seals the summary with `kept`, the items read verbatim after it.
 */
export async function compactItems(
  model: CatalogModel,
  items: readonly Item[],
  kept: Item[],
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<MadeCompaction> {
  const { summary, usage } = await summarizeItems(model.id, model.contextWindow, items, ctx, signal);
  const id = ctx.newId('cmp');
  const checkpoint = { summary, kept };
  const item = { type: 'compaction', id, encrypted_content: sealCheckpoint(checkpoint) };
  return { item, usage, items: checkpointItems(id, checkpoint) };
}

/**
 * A whole context compacted, its instructions (as a developer message) with its items: later
 * requests set their own instructions, so what these said is kept in the summary.
 */
export function compactTurn(
  turn: Turn,
  model: CatalogModel,
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<MadeCompaction> {
  const instructions: Item[] = turn.instructions
    ? [
        {
          type: 'message',
          id: ctx.newId('msg'),
          role: 'developer',
          content: [{ type: 'input_text', text: turn.instructions }],
        },
      ]
    : [];
  return compactItems(model, [...instructions, ...turn.items], [], ctx, signal);
}
