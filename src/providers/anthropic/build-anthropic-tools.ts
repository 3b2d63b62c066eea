import type { Tool, ToolChoice } from '../../api/tools.ts';
import { customToolDescription, customToolParameters } from '../http/custom-tool-input.ts';
import { selectTools, type ToolMode } from '../http/select-tools.ts';
import type { AnthropicTool, AnthropicToolChoice } from '../../api/anthropic-messages.ts';

export interface AnthropicTools {
  tools: AnthropicTool[];
  /** Unset when no tool is sent. */
  toolChoice: AnthropicToolChoice | undefined;
  /** Whether the model must call a tool: Anthropic does not allow that with extended thinking. */
  forced: boolean;
  customToolNames: Set<string>;
  warnings: string[];
}

function toolChoice(mode: ToolMode, parallel: boolean): AnthropicToolChoice {
  if (mode === 'none') return { type: 'none' };
  const serial = parallel ? {} : { disable_parallel_tool_use: true };
  if (mode === 'auto') return { type: 'auto', ...serial };
  if (mode === 'required') return { type: 'any', ...serial };
  return { type: 'tool', name: mode.name, ...serial };
}

/** Function tools with `input_schema`, custom tools as one-string-argument tools, and tool_choice. */
export function buildAnthropicTools(
  tools: readonly Tool[],
  choice: ToolChoice,
  parallel: boolean,
): AnthropicTools {
  const selection = selectTools(tools, choice);
  const customToolNames = new Set<string>();
  const anthropicTools = selection.tools.map((tool): AnthropicTool => {
    if (tool.type === 'custom') {
      customToolNames.add(tool.name);
      const description = customToolDescription(tool);
      return {
        name: tool.name,
        ...(description ? { description } : {}),
        input_schema: customToolParameters(),
      };
    }
    return {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      input_schema: tool.parameters ?? { type: 'object', properties: {} },
      ...(tool.strict != null ? { strict: tool.strict } : {}),
    };
  });
  const empty = anthropicTools.length === 0;
  return {
    tools: anthropicTools,
    toolChoice: empty ? undefined : toolChoice(selection.mode, parallel),
    forced: !empty && (selection.mode === 'required' || typeof selection.mode === 'object'),
    customToolNames,
    warnings: selection.warnings,
  };
}
