import { IMAGE_TOKENS, imageCount, itemText } from '../../api/item-text.ts';
import type { Turn } from '../provider.ts';

/** Tokens OpenAI's chat format spends on each message's envelope (`<|start|>role<|message|>...<|end|>`). */
const MESSAGE_TOKENS = 4;
/** Tokens that prime the answer (`<|start|>assistant<|message|>`). */
const REPLY_TOKENS = 3;

/**
 * A turn's input tokens with OpenAI's o200k tokenizer (gpt-4o, o-series, GPT-5): the text of
 * the instructions and every item, the tool definitions as JSON, and each message's envelope,
 * counted locally with no upstream call. Images count as low-detail ones. The tokenizer's
 * tables (~70 MB of memory, ~0.3 s to load) are imported at the first count, not at start.
 */
export async function countOpenAiTokens(
  turn: Pick<Turn, 'instructions' | 'items' | 'tools'>,
): Promise<number> {
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
  let total = REPLY_TOKENS;
  if (turn.instructions) total += MESSAGE_TOKENS + countTokens(turn.instructions);
  for (const item of turn.items) {
    total += MESSAGE_TOKENS + countTokens(itemText(item)) + imageCount(item) * IMAGE_TOKENS;
  }
  if (turn.tools.length > 0) total += countTokens(JSON.stringify(turn.tools));
  return total;
}
