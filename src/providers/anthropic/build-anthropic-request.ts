import type { Turn } from '../provider.ts';
import type { AnthropicMessage, AnthropicRequest } from './anthropic-wire.ts';
import { buildAnthropicMessages } from './build-anthropic-messages.ts';
import { buildAnthropicTools } from './build-anthropic-tools.ts';
import { planThinking } from './thinking-budget.ts';

export interface AnthropicTranslation {
  body: AnthropicRequest;
  customToolNames: Set<string>;
  /** What could not be sent, for the log: harmless to the answer, never thrown. */
  warnings: string[];
}

/**
 * With thinking on, an assistant turn that called tools and is being answered with tool
 * results must start with its thinking block. History from another model has none.
 */
function continuesToolLoopWithoutThinking(messages: readonly AnthropicMessage[]): boolean {
  const last = messages.at(-1);
  const assistant = messages.at(-2);
  if (last?.role !== 'user' || !last.content.some((block) => block.type === 'tool_result')) return false;
  const first = assistant?.content[0];
  return assistant?.role === 'assistant' && first?.type !== 'thinking' && first?.type !== 'redacted_thinking';
}

const JSON_OBJECT_INSTRUCTION = 'Answer with a single JSON object and nothing else.';

/** A turn as one Messages API request, streamed when the turn is. */
export function buildAnthropicRequest(turn: Turn): AnthropicTranslation {
  const plan = planThinking(turn);
  const tools = buildAnthropicTools(turn.tools, turn.toolChoice, turn.parallelToolCalls);
  const warnings = [...plan.warnings, ...tools.warnings];

  let thinking = plan.budgetTokens !== undefined;
  if (thinking && tools.forced) {
    warnings.push('reasoning.effort: Anthropic cannot think while a tool call is forced; thinking is off');
    thinking = false;
  }
  let conversation = buildAnthropicMessages(turn.instructions, turn.items, thinking);
  if (thinking && continuesToolLoopWithoutThinking(conversation.messages)) {
    warnings.push(
      'reasoning.effort: the tool call being answered came without Anthropic thinking; thinking is off',
    );
    thinking = false;
    conversation = buildAnthropicMessages(turn.instructions, turn.items, false);
  }
  warnings.push(...conversation.warnings);

  const body: AnthropicRequest = {
    model: turn.model.upstreamModel,
    max_tokens: plan.maxTokens,
    messages: conversation.messages,
    stream: turn.stream,
  };
  const system = conversation.system;
  const format = turn.text.format;
  if (format?.type === 'json_schema')
    body.output_config = { format: { type: 'json_schema', schema: format.schema } };
  else if (format?.type === 'json_object') {
    system.push({ type: 'text', text: JSON_OBJECT_INSTRUCTION });
    warnings.push('text.format: Anthropic has no JSON mode; json_object was asked for in the system prompt');
  }
  if (system.length > 0) body.system = system;
  if (tools.toolChoice) {
    body.tools = tools.tools;
    body.tool_choice = tools.toolChoice;
  }
  if (thinking) body.thinking = { type: 'enabled', budget_tokens: plan.budgetTokens! };

  const { temperature, topP, seed, stop } = turn.sampling;
  if (stop?.length) body.stop_sequences = stop;
  if (temperature !== undefined) {
    if (thinking) warnings.push('temperature: not allowed with extended thinking; it was not sent');
    else body.temperature = temperature;
  }
  if (topP !== undefined) {
    if (body.temperature !== undefined)
      warnings.push('top_p: Anthropic takes temperature or top_p, not both; top_p was not sent');
    else if (thinking && topP < 0.95)
      warnings.push('top_p: below 0.95 is not allowed with extended thinking');
    else body.top_p = topP;
  }
  if (seed !== undefined) warnings.push('seed: Anthropic takes no seed; it was not sent');
  if (turn.text.verbosity) warnings.push('text.verbosity: Anthropic takes no verbosity; it was not sent');
  return { body, customToolNames: tools.customToolNames, warnings };
}
