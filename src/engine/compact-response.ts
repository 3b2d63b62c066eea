import type { CompactRequest } from '../api/compact.ts';
import type { Item } from '../api/items.ts';
import type { NativeOutputItem, Usage } from '../api/response.ts';
import { prepareContext } from './build-context.ts';
import { sealCheckpoint } from './compaction-item.ts';
import type { EngineContext } from './engine-context.ts';
import { summarizeItems } from './summarize-context.ts';
import { toUsage } from './usage.ts';

export interface CompactResource {
  id: string;
  object: 'response.compaction';
  output: NativeOutputItem[];
  created_at: number;
  usage: Usage;
}

/**
 * `POST /v1/responses/compact`: the context a request would have (its input, or the chain
 * behind `previous_response_id`, with its instructions) as one `compaction` item, which later
 * input carries in place of it. OpenAI models compact natively (their own encrypted item);
 * every other model writes the summary itself (compaction-item.ts).
 */
export async function compactResponse(
  body: CompactRequest,
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<CompactResource> {
  const context = await prepareContext(
    {
      model: body.model,
      input: body.input ?? [],
      previous_response_id: body.previous_response_id ?? null,
      instructions: body.instructions ?? null,
      store: false,
    },
    ctx,
  );
  const answer = {
    id: ctx.newId('resp'),
    object: 'response.compaction' as const,
    created_at: Math.floor(ctx.now() / 1000),
  };
  const { turn, provider, model } = context;
  if (provider.compact) {
    const compacted = await provider.compact(turn, signal);
    return { ...answer, output: compacted.output, usage: toUsage(compacted.usage) };
  }
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
  const { summary, usage } = await summarizeItems(
    model.id,
    model.contextWindow,
    [...instructions, ...turn.items],
    ctx,
    signal,
  );
  const item = {
    type: 'compaction',
    id: ctx.newId('cmp'),
    encrypted_content: sealCheckpoint({ summary, kept: [] }),
  };
  return { ...answer, output: [item], usage: usage ?? toUsage(undefined) };
}
