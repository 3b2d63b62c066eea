import type { Turn } from '../provider.ts';

/**
 * `reasoning.effort` as an extended-thinking budget in tokens. Anthropic needs at least 1,024
 * and less than `max_tokens`; the budget is cut to `max_tokens - 1` when it does not fit.
 */
export const THINKING_BUDGETS: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
  max: 65536,
};

export const MIN_THINKING_BUDGET = 1024;
/** `max_tokens` when neither the request nor the catalog gives one (plus the budget when thinking). */
export const DEFAULT_MAX_TOKENS = 4096;

export interface ThinkingPlan {
  maxTokens: number;
  /** Unset when the turn does not reason or the budget does not fit. */
  budgetTokens: number | undefined;
  warnings: string[];
}

/** `max_tokens` (required by Anthropic) and the thinking budget for a turn. */
export function planThinking(turn: Turn): ThinkingPlan {
  const effort = turn.reasoning?.effort;
  const wanted = effort && effort !== 'none' ? THINKING_BUDGETS[effort] : undefined;
  const maxTokens =
    turn.sampling.maxOutputTokens ??
    turn.model.maxOutputTokens ??
    (wanted !== undefined ? wanted + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS);
  if (wanted === undefined) return { maxTokens, budgetTokens: undefined, warnings: [] };
  const budgetTokens = Math.min(wanted, maxTokens - 1);
  if (budgetTokens < MIN_THINKING_BUDGET)
    return {
      maxTokens,
      budgetTokens: undefined,
      warnings: [
        `reasoning.effort: max_output_tokens ${maxTokens} leaves no room for the minimum thinking budget (${MIN_THINKING_BUDGET}); thinking is off`,
      ],
    };
  return { maxTokens, budgetTokens, warnings: [] };
}
