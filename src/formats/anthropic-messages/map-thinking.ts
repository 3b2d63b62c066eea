import type { AnthropicOutputConfig, AnthropicThinkingConfig } from '../../api/anthropic-messages.ts';
import type { ReasoningConfig } from '../../api/request.ts';
import type { CatalogModel } from '../../catalog/catalog-model.ts';
import { THINKING_BUDGETS } from '../../providers/anthropic/thinking-budget.ts';

type Effort = NonNullable<ReasoningConfig['effort']>;

/** The effort whose budget is the largest within `budget`: the Anthropic provider's mapping, reversed. */
function effortOfBudget(budget: number): Effort {
  let chosen = 'minimal';
  for (const [effort, tokens] of Object.entries(THINKING_BUDGETS)) if (tokens <= budget) chosen = effort;
  return chosen as Effort;
}

/**
 * An effort the model takes: a model that does not reason answers without reasoning (thinking
 * is a budget, not a demand), and one that does gets the effort nearest in budget among its own.
 */
function fitEffort(
  effort: Effort,
  model: CatalogModel | undefined,
  warnings: string[],
): ReasoningConfig | undefined {
  const efforts = (model?.capabilities.reasoningEfforts ?? []).filter((e) => e in THINKING_BUDGETS);
  if (!model || efforts.includes(effort)) return { effort };
  if (efforts.length === 0) {
    warnings.push(`thinking: the model '${model.id}' does not reason; it answers without thinking`);
    return undefined;
  }
  const distance = (e: string) => Math.abs(Math.log(THINKING_BUDGETS[e]! / THINKING_BUDGETS[effort]!));
  const nearest = efforts.reduce((best, e) => (distance(e) < distance(best) ? e : best));
  warnings.push(
    `thinking: the model '${model.id}' takes reasoning effort ${efforts.join(', ')}; '${nearest}' was used`,
  );
  return { effort: nearest as Effort };
}

/**
 * `thinking` and `output_config.effort` as the Responses reasoning setting: a budget as the
 * effort whose budget it holds, adaptive thinking at the effort asked (else the model's
 * default), disabled thinking as no reasoning setting.
 */
export function toReasoning(
  thinking: AnthropicThinkingConfig | null | undefined,
  output: AnthropicOutputConfig | null | undefined,
  model: CatalogModel | undefined,
  warnings: string[],
): ReasoningConfig | undefined {
  const asked = output?.effort ?? undefined;
  if (thinking?.type === 'disabled') {
    if (asked) warnings.push('output_config.effort: thinking is disabled, so no reasoning effort was set');
    return undefined;
  }
  if (thinking?.type === 'enabled') {
    const effort = effortOfBudget(thinking.budget_tokens);
    if (THINKING_BUDGETS[effort] !== thinking.budget_tokens)
      warnings.push(
        `thinking.budget_tokens: ${thinking.budget_tokens} was taken as reasoning effort '${effort}' (${THINKING_BUDGETS[effort]} tokens on Anthropic)`,
      );
    return fitEffort(effort, model, warnings);
  }
  return asked ? fitEffort(asked, model, warnings) : undefined;
}
