import { ApiError } from '../api/errors.ts';
import type { Item } from '../api/items.ts';
import { clip } from '../api/limits.ts';
import type { Provider, Turn } from '../providers/provider.ts';
import type { ResponseContext } from './build-context.ts';
import { compactItems, compactTurn } from './compact-items.ts';
import type { EngineContext } from './engine-context.ts';
import { estimateTokens, upperBoundTokens } from './estimate-tokens.ts';

/** The tokens a turn takes as it would be sent: the provider's own count where it has one, else Portico's estimate. */
export async function countTurnTokens(turn: Turn, provider: Provider, signal: AbortSignal): Promise<number> {
  return provider.countInputTokens ? provider.countInputTokens(turn, signal) : estimateTokens(turn);
}

/**
 * Tokens kept free for the answer when `truncation` is `auto`: `max_output_tokens` when the
 * request sets it, else a quarter of the window (at most the model's own output limit).
 */
export function answerReserve(context: Pick<ResponseContext, 'request' | 'model'>): number {
  const { request, model } = context;
  const window = model.contextWindow;
  return request.max_output_tokens ?? Math.min(model.maxOutputTokens ?? window, Math.floor(window / 4));
}

/**
 * Makes a built context fit its model's context window (from the catalog). With `truncation:
 * "auto"` the oldest turns of the history are dropped, whole (a turn starts at a user message,
 * so a tool call never loses its output), until the input leaves `answerReserve` tokens free;
 * this request's own input is never dropped. With `"disabled"` (the default) an input over the
 * window is a 400 `context_length_exceeded`, before any model runs. A context that is clearly
 * small is not counted at all. Compaction (`context_management`) comes first.
 */
export async function fitContext(
  built: ResponseContext,
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<ResponseContext> {
  const context = await compactIfAsked(built, ctx, signal);
  const { turn, provider, model } = context;
  const auto = context.request.truncation === 'auto';
  const budget = auto ? model.contextWindow - answerReserve(context) : model.contextWindow - 1;
  if (upperBoundTokens(turn) <= budget) return context;
  const total = await countTurnTokens(turn, provider, signal);
  if (total <= budget) return context;
  const historyLength = Math.min(context.historyLength, turn.items.length);
  if (!auto) throw tooLong(total, model.id, model.contextWindow);
  if (historyLength === context.promptLength) throw noRoomLeft(total, context);

  // The prompt's messages are instructions: kept, with the input, whatever else is dropped.
  const prompt = turn.items.slice(0, context.promptLength);
  const groups = turnsOf(turn.items.slice(context.promptLength, historyLength));
  const input = turn.items.slice(historyLength);
  const empty = await countTurnTokens({ ...turn, items: [] }, provider, signal);
  let dropped = 0;
  let estimate = total;
  for (const group of groups) {
    if (estimate <= budget) break;
    estimate -= (await countTurnTokens({ ...turn, items: group }, provider, signal)) - empty;
    dropped++;
  }
  // The estimate of what is left may be off by a little (templates join turns): count again.
  for (; dropped <= groups.length; dropped++) {
    const items = [...prompt, ...groups.slice(dropped).flat(), ...input];
    const fitted = { ...turn, items };
    const tokens = await countTurnTokens(fitted, provider, signal);
    if (tokens <= budget) return { ...context, turn: fitted, historyLength: items.length - input.length };
  }
  throw noRoomLeft(
    await countTurnTokens({ ...turn, items: [...prompt, ...input] }, provider, signal),
    context,
  );
}

/**
 * `context_management: [{type: "compaction", compact_threshold}]`: when the context passes the
 * threshold (default 80% of the window), the model summarizes the history and a compaction
 * item (compaction-item.ts) holding the summary and this request's input takes its place; the
 * response shows it as its first output item, and later turns read it instead of the history.
 * A `compaction_trigger` compacts the whole context (as `POST /responses/compact` does), and the
 * item is the response's only output: no model turn follows, no hosted tool runs. A provider
 * that compacts natively (OpenAI) is handed the setting or the trigger instead.
 */
async function compactIfAsked(
  context: ResponseContext,
  ctx: EngineContext,
  signal: AbortSignal,
): Promise<ResponseContext> {
  if (context.compactionTriggered) {
    const compaction = await compactTurn(context.turn, context.model, ctx, signal);
    const turn = { ...context.turn, items: compaction.items };
    return {
      ...context,
      turn,
      promptLength: 0,
      historyLength: turn.items.length,
      compaction,
      hostedTools: undefined,
    };
  }
  const asked = context.request.context_management?.find((entry) => entry.type === 'compaction');
  const { turn, provider, model } = context;
  const historyLength = Math.min(context.historyLength, turn.items.length);
  const { promptLength } = context;
  if (!asked || provider.compact || historyLength === promptLength) return context;
  const threshold = asked.compact_threshold ?? Math.floor(model.contextWindow * 0.8);
  if (upperBoundTokens(turn) <= threshold) return context;
  if ((await countTurnTokens(turn, provider, signal)) <= threshold) return context;
  // The prompt's messages stay in front, as instructions do: they are this response's, not history.
  const prompt = turn.items.slice(0, promptLength);
  const history = turn.items.slice(promptLength, historyLength);
  const kept = turn.items.slice(historyLength);
  const compaction = await compactItems(model, history, kept, ctx, signal);
  const items = [...prompt, ...compaction.items];
  return { ...context, turn: { ...turn, items }, historyLength: items.length - kept.length, compaction };
}

/** The history as whole turns: each starts at a user message (what precedes the first is a turn of its own). */
function turnsOf(items: readonly Item[]): Item[][] {
  const turns: Item[][] = [];
  for (const item of items) {
    if (turns.length === 0 || (item.type === 'message' && item.role === 'user')) turns.push([]);
    turns.at(-1)!.push(item);
  }
  return turns;
}

function contextTooLong(param: string, message: string): ApiError {
  return new ApiError({
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param,
    message,
  });
}

function tooLong(tokens: number, model: string, window: number): ApiError {
  return contextTooLong(
    'input',
    `The input takes ${tokens} tokens, more than the ${window}-token context window of '${clip(model)}' allows: ` +
      "send less, or set truncation to 'auto' to drop the oldest turns.",
  );
}

/**
 * With `truncation: "auto"`, this request's own input (`tokens`) does not leave `answerReserve`
 * free: over the window itself, or beside the answer's room, which names `max_output_tokens`
 * where the request set it.
 */
function noRoomLeft(tokens: number, context: Pick<ResponseContext, 'request' | 'model'>): ApiError {
  const window = context.model.contextWindow;
  const model = clip(context.model.id);
  if (tokens >= window)
    return contextTooLong(
      'input',
      `The input takes ${tokens} tokens, more than the ${window}-token context window of '${model}' allows ` +
        'even with only this request\u2019s input: send less input.',
    );
  const reserve = answerReserve(context);
  const asked = context.request.max_output_tokens != null;
  return contextTooLong(
    asked ? 'max_output_tokens' : 'input',
    `The input takes ${tokens} tokens of the ${window}-token context window of '${model}', even with only ` +
      `this request\u2019s input, and truncation 'auto' keeps ${reserve} free for the answer` +
      (asked
        ? ' (max_output_tokens): lower max_output_tokens, or send less input.'
        : ': send less input, or set a smaller max_output_tokens.'),
  );
}
