import { IMAGE_TOKENS, imageCount, ITEM_OVERHEAD_TOKENS, itemText } from '../api/item-text.ts';
import type { Turn } from '../providers/provider.ts';

/**
 * Portico's estimate for providers that cannot count (Anthropic, Workers AI, any
 * OpenAI-compatible server): a token per four characters of what the model reads (the
 * instructions, each item's text, the tools' definitions), rounded up, plus a few tokens per
 * item for its markup and a fixed cost per image. English text runs at about four characters a
 * token in current tokenizers; code and other languages run denser, so it errs on both sides.
 */
export function estimateTokens(turn: Pick<Turn, 'instructions' | 'items' | 'tools'>): number {
  let chars = turn.instructions?.length ?? 0;
  let extra = turn.instructions ? ITEM_OVERHEAD_TOKENS : 0;
  for (const item of turn.items) {
    chars += itemText(item).length;
    extra += ITEM_OVERHEAD_TOKENS + imageCount(item) * IMAGE_TOKENS;
  }
  if (turn.tools.length > 0) chars += JSON.stringify(turn.tools).length;
  return Math.ceil(chars / 4) + extra;
}

/**
 * An upper bound no tokenizer exceeds by much: one token per character (byte-level tokenizers
 * never need more for text) plus the markup. Below the budget, a context fits without counting.
 */
export function upperBoundTokens(turn: Pick<Turn, 'instructions' | 'items' | 'tools'>): number {
  let bound = (turn.instructions?.length ?? 0) + ITEM_OVERHEAD_TOKENS;
  for (const item of turn.items)
    bound += itemText(item).length * 2 + ITEM_OVERHEAD_TOKENS + imageCount(item) * IMAGE_TOKENS;
  if (turn.tools.length > 0) bound += JSON.stringify(turn.tools).length;
  return bound;
}
