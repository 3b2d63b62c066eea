import type { AnthropicReasoningBlock } from '../../api/anthropic-messages.ts';
import type { ReasoningItem } from '../../api/items.ts';
import type { OutputReasoning } from '../../api/response.ts';
import { decodeThinking, encodeThinking } from '../../providers/anthropic/thinking-signature.ts';

/**
 * Reasoning items and Anthropic's thinking blocks, both ways. A Claude model's reasoning item
 * keeps its thinking blocks in `encrypted_content` (providers/anthropic/thinking-signature.ts):
 * they are answered as they came and, sent back, become such an item again. Another model's
 * reasoning is one thinking block whose signature carries the item's own opaque value (an
 * OpenAI model's sealed reasoning begins `portico.`), which comes back in place.
 */

const PORTICO_VALUE = 'portico.';

/** The text of a reasoning item, as its deltas streamed it. */
export function reasoningText(item: OutputReasoning): string {
  let text = '';
  for (const part of [...(item.content ?? []), ...item.summary]) text += part.text;
  return text;
}

/**
 * A reasoning item as thinking blocks: its own when it holds a Claude model's and they say what
 * it says (the first block is its text, or it has none), else one block with its text; none for
 * an item with neither text nor state.
 */
export function thinkingBlocks(item: OutputReasoning, text = reasoningText(item)): AnthropicReasoningBlock[] {
  if (!text && !item.encrypted_content) return [];
  const blocks = decodeThinking(item.encrypted_content);
  const thoughts = blocks?.filter((block) => block.type === 'thinking' && block.thinking !== '') ?? [];
  const first = blocks?.[0];
  const same =
    text === ''
      ? thoughts.length === 0
      : first?.type === 'thinking' && first.thinking === text && thoughts.length === 1;
  if (blocks && blocks.length > 0 && same) return blocks;
  return [{ type: 'thinking', thinking: text, signature: item.encrypted_content ?? '' }];
}

/** Consecutive thinking blocks of an assistant message as one reasoning item, as the Anthropic provider makes it. */
export function reasoningItem(blocks: readonly AnthropicReasoningBlock[]): ReasoningItem {
  let text = '';
  for (const block of blocks) if (block.type === 'thinking') text += block.thinking;
  const item: ReasoningItem = {
    type: 'reasoning',
    summary: [],
    ...(text ? { content: [{ type: 'reasoning_text', text }] } : {}),
  };
  const only = blocks.length === 1 ? blocks[0] : undefined;
  if (only?.type === 'thinking') {
    const { signature } = only;
    // Unsigned thinking (a model that keeps no reasoning state) is its text alone.
    if (!signature) return item;
    if (signature.startsWith(PORTICO_VALUE) || decodeThinking(signature))
      return { ...item, encrypted_content: signature };
  }
  return { ...item, encrypted_content: encodeThinking(blocks) };
}
