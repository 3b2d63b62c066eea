import type { Tool, ToolChoice } from '../../api/tools.ts';
import type { Turn } from '../provider.ts';
import { mapInputItems, type WireInputItem } from './map-input-items.ts';

/** `POST /responses` as Portico sends it: streamed when the turn is, never stored upstream. */
export interface ResponsesRequestBody {
  model: string;
  stream: boolean;
  /** Portico keeps the state; OpenAI keeps nothing (and so cannot resolve any id Portico sends). */
  store: false;
  include?: string[];
  instructions?: string;
  input: WireInputItem[];
  tools?: Tool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  text?: Record<string, unknown>;
  reasoning?: Record<string, unknown>;
  temperature?: number;
  top_p?: number;
  max_output_tokens?: number;
  /** OpenAI compacts natively when the client asks for it. */
  context_management?: Array<{ type: string; compact_threshold?: number }>;
  top_logprobs?: number;
}

function withoutNulls(value: object): Record<string, unknown> | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * The `include` list: the client's values, plus encrypted reasoning whenever the model reasons,
 * so that reasoning can be carried into the next turn without OpenAI storing anything. Models
 * that do not reason refuse that value, so it is asked for only from reasoning models.
 */
function include(turn: Turn): string[] | undefined {
  const reasons = turn.model.capabilities.reasoningEfforts.length > 0 || turn.reasoning != null;
  const values = new Set([...(reasons ? ['reasoning.encrypted_content'] : []), ...turn.include]);
  return values.size > 0 ? [...values] : undefined;
}

/** The upstream request for a turn. `seed` has no Responses API equivalent and is not sent. */
export function buildRequestBody(turn: Turn): ResponsesRequestBody {
  const reasoning = turn.reasoning
    ? withoutNulls({
        effort: turn.reasoning.effort,
        summary: turn.reasoning.summary ?? turn.reasoning.generate_summary,
        context: turn.reasoning.context,
        mode: turn.reasoning.mode,
      })
    : undefined;
  const text = withoutNulls(turn.text);
  const includes = include(turn);
  const { temperature, topP, maxOutputTokens } = turn.sampling;
  return {
    model: turn.model.upstreamModel,
    stream: turn.stream,
    store: false,
    ...(includes ? { include: includes } : {}),
    ...(turn.instructions ? { instructions: turn.instructions } : {}),
    input: mapInputItems(turn.items),
    ...(turn.tools.length > 0
      ? { tools: turn.tools, tool_choice: turn.toolChoice, parallel_tool_calls: turn.parallelToolCalls }
      : {}),
    ...(text ? { text } : {}),
    ...(reasoning ? { reasoning } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { top_p: topP } : {}),
    ...(maxOutputTokens !== undefined ? { max_output_tokens: maxOutputTokens } : {}),
    ...(turn.contextManagement
      ? {
          context_management: turn.contextManagement.map((entry) => ({
            type: entry.type,
            ...(entry.compactThreshold !== undefined ? { compact_threshold: entry.compactThreshold } : {}),
          })),
        }
      : {}),
    ...(turn.topLogprobs ? { top_logprobs: turn.topLogprobs } : {}),
  };
}
