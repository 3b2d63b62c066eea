import { IMAGE_TOKENS, imageCount, itemText } from '../../api/item-text.ts';
import { o200kCount, timeSlices } from '../../o200k-tokens.ts';
import type { Turn } from '../provider.ts';

/** Tokens OpenAI's chat format spends on each message's envelope (`<|start|>role<|message|>...<|end|>`). */
const MESSAGE_TOKENS = 4;
/** Tokens that prime the answer (`<|start|>assistant<|message|>`). */
const REPLY_TOKENS = 3;

/**
 * A turn's input tokens with OpenAI's o200k tokenizer (gpt-4o, o-series, GPT-5): the text of
 * the instructions and every item, the tool definitions as JSON, and each message's envelope,
 * counted locally with no upstream call. Images count as low-detail ones. The tokenizer is
 * imported at the first count, and a context of many tokens is counted with the event loop
 * turning between slices of the work (o200k-tokens.ts).
 */
export async function countOpenAiTokens(
  turn: Pick<Turn, 'instructions' | 'items' | 'tools'>,
): Promise<number> {
  const pause = timeSlices();
  const count = (text: string) => o200kCount(text, pause);
  let total = REPLY_TOKENS;
  if (turn.instructions) total += MESSAGE_TOKENS + (await count(turn.instructions));
  for (const item of turn.items) {
    total += MESSAGE_TOKENS + (await count(itemText(item))) + imageCount(item) * IMAGE_TOKENS;
  }
  if (turn.tools.length > 0) total += await count(JSON.stringify(turn.tools));
  return total;
}
