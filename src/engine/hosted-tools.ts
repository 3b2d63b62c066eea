import type { Tool } from '../api/tools.ts';
import type { Unsupported } from '../providers/provider.ts';

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

/**
 * The one place that decides the fate of a hosted tool a provider reported it cannot serve:
 * harmless (dropped, reported) under `drop`, refused under `refuse`. When Portico runs a hosted
 * tool itself, this is where that tool stops being reported at all.
 */
export function settleHostedTool(found: Unsupported, tool: Tool, policy: HostedToolsPolicy): Unsupported {
  if (isClientTool(tool)) return found;
  return {
    ...found,
    message: `${found.message} Portico does not run '${tool.type}' tools for this model.`,
    harmless: policy === 'drop',
  };
}

/** The tool a reported path points at (`tools[3]`, `tools[3].type`), if any. */
export function toolAt(param: string, tools: readonly Tool[]): Tool | undefined {
  const match = /^tools\[(\d+)\]/.exec(param);
  return match ? tools[Number(match[1])] : undefined;
}
