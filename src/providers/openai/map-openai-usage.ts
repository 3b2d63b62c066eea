import type { ModelUsage } from '../provider.ts';
import type { WireUsage } from './openai-wire.ts';

/** OpenAI's usage block as model usage, keeping cache and reasoning details when reported. */
export function mapOpenAiUsage(usage: WireUsage): ModelUsage {
  const cached = usage.input_tokens_details?.cached_tokens;
  const cacheWrite = usage.input_tokens_details?.cache_write_tokens;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    ...(cached != null ? { cachedInputTokens: cached } : {}),
    ...(cacheWrite != null ? { cacheWriteTokens: cacheWrite } : {}),
    ...(reasoning != null ? { reasoningTokens: reasoning } : {}),
  };
}
