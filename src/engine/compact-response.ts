import type { CompactRequest } from '../api/compact.ts';
import type { NativeOutputItem, Usage } from '../api/response.ts';
import { prepareContext } from './build-context.ts';
import { compactTurn } from './compact-items.ts';
import type { EngineContext } from './engine-context.ts';
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
 * every other model writes the summary itself (compact-items.ts).
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
  const { item, usage } = await compactTurn(turn, model, ctx, signal);
  return { ...answer, output: [item], usage: usage ?? toUsage(undefined) };
}
