import type { CustomTool, FunctionTool, Tool, ToolChoice } from '../../api/tools.ts';

/** What the model may do with its tools, in a form every upstream protocol can express. */
export type ToolMode = 'auto' | 'none' | 'required' | { name: string };

export interface ToolSelection {
  /** The client tools an upstream can be given, in request order. */
  tools: Array<FunctionTool | CustomTool>;
  mode: ToolMode;
  warnings: string[];
}

interface AllowedTools {
  type: 'allowed_tools';
  mode: 'auto' | 'required';
  tools: Array<{ type: string; name?: unknown }>;
}

function isAllowedTools(choice: ToolChoice): choice is AllowedTools {
  return typeof choice === 'object' && choice.type === 'allowed_tools' && Array.isArray(choice.tools);
}

/**
 * Keeps the function and custom tools (hosted tools cannot be sent to a chat-style upstream),
 * applies `allowed_tools` by filtering the list, and reduces `tool_choice` to a ToolMode.
 */
export function selectTools(tools: readonly Tool[], choice: ToolChoice): ToolSelection {
  const warnings: string[] = [];
  let kept: Array<FunctionTool | CustomTool> = [];
  for (const tool of tools) {
    if (tool.type === 'function' || tool.type === 'custom') kept.push(tool as FunctionTool | CustomTool);
    else warnings.push(`tools: a '${tool.type}' tool cannot be sent to this upstream and was left out`);
  }

  let mode: ToolMode;
  if (typeof choice === 'string') mode = choice;
  else if (isAllowedTools(choice)) {
    const allowed = choice.tools;
    kept = kept.filter((tool) =>
      allowed.some((entry) => entry.type === tool.type && entry.name === tool.name),
    );
    mode = choice.mode;
  } else if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') {
    mode = { name: choice.name };
  } else {
    warnings.push(`tool_choice: '${choice.type}' cannot be sent to this upstream; using 'auto'`);
    mode = 'auto';
  }
  return { tools: kept, mode, warnings };
}
