import type { Tool, ToolChoice } from '../api/tools.ts';
import type { Turn, Unsupported } from '../providers/provider.ts';

/**
 * What happens to a hosted tool (web_search, file_search, code_interpreter, mcp, ...) that the
 * model's provider cannot run and Portico does not run itself: `drop` sends the request without
 * it, with a warning (agent clients send such tools unasked); `refuse` answers 400.
 */
export type HostedToolsPolicy = 'drop' | 'refuse';

/** Tools the model calls and the client runs: everything else is hosted, run by someone else. */
export function isClientTool(tool: Tool): boolean {
  return tool.type === 'function' || tool.type === 'custom';
}

/** The hosted tool type a reported path is about: a hosted tool, or a tool_choice forcing one. */
function hostedType(param: string, turn: Pick<Turn, 'tools' | 'toolChoice'>): string | undefined {
  const tool = toolAt(param, turn.tools);
  if (tool) return isClientTool(tool) ? undefined : tool.type;
  const choice: ToolChoice = turn.toolChoice;
  if (param !== 'tool_choice' || typeof choice !== 'object') return undefined;
  return ['function', 'custom', 'allowed_tools'].includes(choice.type) ? undefined : choice.type;
}

/**
 * The one place that decides the fate of a hosted tool a provider reported it cannot serve
 * (and of a tool_choice forcing it): harmless (dropped, reported) under `drop`, refused under
 * `refuse`. A hosted tool Portico runs itself (hosted-tool-runner.ts) reaches the provider as
 * a function and is never reported here.
 */
export function settleHostedTool(
  found: Unsupported,
  turn: Pick<Turn, 'tools' | 'toolChoice'>,
  policy: HostedToolsPolicy,
): Unsupported {
  const type = hostedType(found.param, turn);
  if (type === undefined) return found;
  return {
    ...found,
    message: `${found.message} Portico does not run '${type}' tools for this model.`,
    harmless: policy === 'drop',
  };
}

/** The tool a reported path points at (`tools[3]`, `tools[3].type`), if any. */
export function toolAt(param: string, tools: readonly Tool[]): Tool | undefined {
  const match = /^tools\[(\d+)\]/.exec(param);
  return match ? tools[Number(match[1])] : undefined;
}
