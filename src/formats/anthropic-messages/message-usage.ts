import type { MessageUsage } from '../../api/anthropic-answer.ts';
import type { Usage } from '../../api/response.ts';

/** Responses usage as Anthropic counts it: input tokens without those read from or written to the cache. */
export function messageUsage(usage: Usage | null | undefined): MessageUsage {
  const read = usage?.input_tokens_details.cached_tokens ?? 0;
  const written = usage?.input_tokens_details.cache_write_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.input_tokens ?? 0) - read - written),
    output_tokens: usage?.output_tokens ?? 0,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read,
  };
}
