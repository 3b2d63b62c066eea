import type { ChatTool, ChatToolChoice } from '../../api/chat-completions.ts';
import type { FunctionTool, ToolChoice } from '../../api/tools.ts';

/** A chat function tool as a Responses function tool. Chat tools are not strict unless asked. */
export function toFunctionTool(tool: ChatTool): FunctionTool {
  const { name, description, parameters, strict } = tool.function;
  return { type: 'function', name, description, parameters, strict: strict ?? false };
}

export function toToolChoice(choice: ChatToolChoice | null | undefined): ToolChoice | undefined {
  if (choice == null) return undefined;
  return typeof choice === 'string' ? choice : { type: 'function', name: choice.function.name };
}
