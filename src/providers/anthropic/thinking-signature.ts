import { z } from 'zod';
import {
  AnthropicRedactedThinkingBlock,
  AnthropicThinkingBlock,
  type AnthropicReasoningBlock,
} from '../../api/anthropic-messages.ts';

/**
 * Anthropic's thinking blocks must come back exactly as sent (text and signature, or the
 * redacted data) when a later turn continues a tool loop. Portico keeps them in the reasoning
 * item's `encrypted_content`, which is opaque to clients: a tagged, base64url JSON list of the
 * item's blocks. The tag keeps another upstream's encrypted reasoning from being sent here.
 */
const TAG = 'anthropic-thinking.v1:';

const Blocks = z.array(z.union([AnthropicThinkingBlock, AnthropicRedactedThinkingBlock]));

export function encodeThinking(blocks: readonly AnthropicReasoningBlock[]): string {
  return TAG + Buffer.from(JSON.stringify(blocks), 'utf8').toString('base64url');
}

/** The blocks kept in `encrypted_content`, or undefined when it holds something else. */
export function decodeThinking(encrypted: string | null | undefined): AnthropicReasoningBlock[] | undefined {
  if (!encrypted?.startsWith(TAG)) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(encrypted.slice(TAG.length), 'base64url').toString('utf8'));
    const parsed = Blocks.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
