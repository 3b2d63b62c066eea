import type { Tool, ToolChoice } from '../../api/tools.ts';
import type { ChatFunctionTool, ChatRequest, ChatToolChoice } from './chat-wire.ts';
import { customToolDescription, customToolParameters } from '../http/custom-tool-input.ts';
import { selectTools, type ToolMode } from '../http/select-tools.ts';

export interface ChatTools {
  fields: Pick<ChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'>;
  /** Names of the custom tools, whose calls come back as `custom` tool calls. */
  customToolNames: Set<string>;
  warnings: string[];
}

function toolChoice(mode: ToolMode): ChatToolChoice {
  return typeof mode === 'string' ? mode : { type: 'function', function: { name: mode.name } };
}

/**
 * Function tools as Chat Completions functions, custom tools as functions of one string
 * `input`. With no tool left, no tool field is sent: servers refuse `tool_choice` and
 * `parallel_tool_calls` without tools.
 */
export function buildChatTools(tools: readonly Tool[], choice: ToolChoice, parallel: boolean): ChatTools {
  const selection = selectTools(tools, choice);
  const customToolNames = new Set<string>();
  const chatTools = selection.tools.map((tool): ChatFunctionTool => {
    if (tool.type === 'custom') {
      customToolNames.add(tool.name);
      const description = customToolDescription(tool);
      return {
        type: 'function',
        function: {
          name: tool.name,
          ...(description ? { description } : {}),
          parameters: customToolParameters(),
        },
      };
    }
    return {
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.parameters ?? { type: 'object', properties: {} },
        ...(tool.strict != null ? { strict: tool.strict } : {}),
      },
    };
  });
  if (chatTools.length === 0) return { fields: {}, customToolNames, warnings: selection.warnings };
  return {
    fields: { tools: chatTools, tool_choice: toolChoice(selection.mode), parallel_tool_calls: parallel },
    customToolNames,
    warnings: selection.warnings,
  };
}
