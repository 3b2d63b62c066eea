import type { AnthropicTool, AnthropicToolChoice } from '../../api/anthropic-messages.ts';
import type { FunctionTool, ToolChoice } from '../../api/tools.ts';

/** A client tool as a Responses function tool: its input schema is the function's parameters. */
export function fromAnthropicTool(tool: AnthropicTool): FunctionTool {
  const { name, description, input_schema: parameters, strict } = tool;
  return { type: 'function', name, description, parameters, strict: strict ?? false };
}

/** `tool_choice` as the Responses one, and `disable_parallel_tool_use` as `parallel_tool_calls: false`. */
export function fromAnthropicToolChoice(choice: AnthropicToolChoice | null | undefined): {
  toolChoice: ToolChoice | undefined;
  parallel: false | undefined;
} {
  if (choice == null) return { toolChoice: undefined, parallel: undefined };
  const parallel =
    'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use ? false : undefined;
  switch (choice.type) {
    case 'auto':
      return { toolChoice: 'auto', parallel };
    case 'any':
      return { toolChoice: 'required', parallel };
    case 'tool':
      return { toolChoice: { type: 'function', name: choice.name }, parallel };
    case 'none':
      return { toolChoice: 'none', parallel };
  }
}
