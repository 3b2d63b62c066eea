import type { ModelUsage } from '../provider.ts';
import type { ChatUsage } from './chat-wire.ts';

/** Chat Completions usage as model usage; optional counts only when the server reported them. */
export function mapChatUsage(usage: ChatUsage): ModelUsage {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.prompt_tokens ?? 0,
    outputTokens: usage.completion_tokens ?? 0,
    ...(cached != null ? { cachedInputTokens: cached } : {}),
    ...(reasoning != null ? { reasoningTokens: reasoning } : {}),
  };
}
