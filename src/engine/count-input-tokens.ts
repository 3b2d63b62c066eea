import type { CreateResponseRequest } from '../api/request.ts';
import { buildContext } from './build-context.ts';
import type { EngineContext } from './engine-context.ts';
import { countTurnTokens } from './fit-context.ts';

/**
 * `POST /v1/responses/input_tokens`: the input tokens of exactly what a create request with
 * these fields would send (its history or conversation, instructions, tools, after truncation
 * and compaction), counted as its model counts: the model's own tokenizer for local models,
 * o200k for OpenAI's, Portico's estimate elsewhere (see estimate-tokens.ts).
 */
export async function countInputTokens(
  request: CreateResponseRequest,
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<{ object: 'response.input_tokens'; input_tokens: number }> {
  // Counting needs no file's bytes (a document counts nothing, an image a fixed cost).
  const context = await buildContext({ ...request, store: false }, ctx, signal, 'check');
  const tokens = await countTurnTokens(context.turn, context.provider, signal);
  return { object: 'response.input_tokens', input_tokens: tokens };
}
