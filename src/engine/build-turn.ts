import type { Item } from '../api/items.ts';
import type { CreateResponseRequest, TextConfig } from '../api/request.ts';
import type { Tool, ToolChoice } from '../api/tools.ts';
import type { CatalogModel } from '../catalog/catalog-model.ts';
import type { Turn } from '../providers/provider.ts';
import { withFields } from '../with-fields.ts';

export interface TurnParts {
  model: CatalogModel;
  /** The previous response's context followed by this request's input. */
  items: Item[];
  /** Validated and normalized: see validate-tools.ts and validate-text-format.ts. */
  tools: Tool[];
  toolChoice: ToolChoice;
  text: TextConfig;
  /** Stop sequences (Chat Completions' `stop`); none when undefined or empty. */
  stop?: string[] | undefined;
}

/** The turn a request asks for, before anything the model cannot take is settled. */
export function buildTurn(request: CreateResponseRequest, { stop, ...parts }: TurnParts): Turn {
  return withFields(parts, {
    instructions: request.instructions ?? undefined,
    parallelToolCalls: request.parallel_tool_calls ?? true,
    reasoning: request.reasoning ?? undefined,
    sampling: {
      ...(request.temperature != null ? { temperature: request.temperature } : {}),
      ...(request.top_p != null ? { topP: request.top_p } : {}),
      ...(request.max_output_tokens != null ? { maxOutputTokens: request.max_output_tokens } : {}),
      ...(request.seed != null ? { seed: request.seed } : {}),
      ...(request.presence_penalty ? { presencePenalty: request.presence_penalty } : {}),
      ...(request.frequency_penalty ? { frequencyPenalty: request.frequency_penalty } : {}),
      ...(stop?.length ? { stop } : {}),
    },
    include: request.include ?? [],
    // A background response's events are stored and replayed as a stream.
    stream: request.stream === true || request.background === true,
    ...(request.context_management
      ? {
          contextManagement: request.context_management.flatMap((entry) =>
            entry.type === 'compaction'
              ? [
                  {
                    type: 'compaction' as const,
                    ...(entry.compact_threshold != null ? { compactThreshold: entry.compact_threshold } : {}),
                  },
                ]
              : [],
          ),
        }
      : {}),
    ...(request.top_logprobs ? { topLogprobs: request.top_logprobs } : {}),
  });
}
