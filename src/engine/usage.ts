import type { Usage } from '../api/response.ts';
import type { ModelUsage } from '../providers/provider.ts';

/** Usage summed over a response's model turns. */
export function addUsage(total: ModelUsage | undefined, turn: ModelUsage): ModelUsage {
  if (!total) return { ...turn };
  const sum = (a: number | undefined, b: number | undefined) =>
    a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  const cached = sum(total.cachedInputTokens, turn.cachedInputTokens);
  const written = sum(total.cacheWriteTokens, turn.cacheWriteTokens);
  const reasoning = sum(total.reasoningTokens, turn.reasoningTokens);
  return {
    inputTokens: total.inputTokens + turn.inputTokens,
    outputTokens: total.outputTokens + turn.outputTokens,
    ...(cached !== undefined ? { cachedInputTokens: cached } : {}),
    ...(written !== undefined ? { cacheWriteTokens: written } : {}),
    ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
  };
}

/** The Response's `usage`: every field present, zeros for what the provider did not report. */
export function toUsage(usage: ModelUsage | undefined): Usage {
  const input = usage?.inputTokens ?? 0;
  const output = usage?.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: usage?.cachedInputTokens ?? 0,
      cache_write_tokens: usage?.cacheWriteTokens ?? 0,
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}

/** A Response's `usage` back as model usage, to add it to another's. */
export function fromUsage(usage: Usage): ModelUsage {
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cachedInputTokens: usage.input_tokens_details.cached_tokens,
    cacheWriteTokens: usage.input_tokens_details.cache_write_tokens,
    reasoningTokens: usage.output_tokens_details.reasoning_tokens,
  };
}
