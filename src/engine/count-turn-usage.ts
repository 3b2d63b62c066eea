import type { Item } from '../api/items.ts';
import type { ModelUsage, Provider, Turn } from '../providers/provider.ts';
import { estimateTokens } from './estimate-tokens.ts';
import { countTurnTokens } from './fit-context.ts';

/** The longest Portico's count of a turn may take (a local model's tokenizer, busy elsewhere) before it estimates. */
const COUNT_MS = 10_000;

/** What a turn generated before it ended, as text: all of it, and the part of it that was reasoning. */
export interface GeneratedText {
  output: string;
  reasoning: string;
}

/**
 * The usage of a model turn that ended without its provider's (stopped by its client, a
 * cancel or a time limit, failed mid-stream, or from an upstream that never reports it),
 * counted by Portico as `POST /v1/responses/input_tokens` counts (countTurnTokens): the input
 * the turn sent, and the text the model generated before it stopped (text, refusals, tool
 * names and arguments, reasoning), each as the model's tokenizer takes it in a message, less
 * the same message empty. A count that fails is Portico's estimate instead.
 */
export async function countTurnUsage(
  turn: Turn,
  generated: GeneratedText,
  provider: Provider,
): Promise<ModelUsage> {
  // The run's own signal has usually fired by now: the count has its own.
  const signal = AbortSignal.timeout(COUNT_MS);
  try {
    return await tally(turn, generated, (counted) => countTurnTokens(counted, provider, signal));
  } catch {
    return tally(turn, generated, async (counted) => estimateTokens(counted));
  }
}

async function tally(
  turn: Turn,
  generated: GeneratedText,
  count: (turn: Turn) => Promise<number>,
): Promise<ModelUsage> {
  // No instructions or tools, and a tool choice that names none: they would cancel out.
  const bare: Turn = { ...turn, instructions: undefined, tools: [], toolChoice: 'auto' };
  let empty: number | undefined;
  const tokens = async (text: string) => {
    if (text === '') return 0;
    empty ??= await count({ ...bare, items: [message('')] });
    return Math.max(0, (await count({ ...bare, items: [message(text)] })) - empty);
  };
  const usage = { inputTokens: await count(turn), outputTokens: await tokens(generated.output) };
  const reasoningTokens = await tokens(generated.reasoning);
  return reasoningTokens > 0 ? { ...usage, reasoningTokens } : usage;
}

function message(text: string): Item {
  return { type: 'message', id: 'msg_counted', role: 'user', content: [{ type: 'input_text', text }] };
}
