import type { Tool, ToolChoice } from '../api/tools.ts';
import type { ClientCall, PlacedTool } from './client-tools.ts';

interface AllowedEntry {
  type: string;
  name?: unknown;
}

/** Whether an `allowed_tools` entry names a tool: by type and name, a namespace by its name, a hosted tool by type. */
function allows(entry: AllowedEntry, tool: Tool, call: ClientCall | undefined): boolean {
  const type = call?.search ? 'tool_search' : tool.type;
  const name = call?.name ?? (tool as { name?: unknown }).name;
  if (entry.type === 'namespace') return call?.namespace !== undefined && entry.name === call.namespace;
  return entry.type === type && (entry.name === undefined || entry.name === name);
}

/**
 * `tool_choice: allowed_tools` as a hard limit on every provider: the model is offered only the
 * allowed tools, with the mode (`auto` or `required`) as its tool choice. Runs on the flattened
 * tools (see client-tools.ts), so entries may name a namespaced function or the namespace.
 */
export function applyAllowedTools(
  tools: readonly PlacedTool[],
  choice: ToolChoice,
  calls: ReadonlyMap<string, ClientCall>,
): { tools: PlacedTool[]; toolChoice: ToolChoice } {
  if (typeof choice !== 'object' || choice.type !== 'allowed_tools')
    return { tools: [...tools], toolChoice: choice };
  const { mode, tools: entries } = choice as { mode: 'auto' | 'required'; tools: AllowedEntry[] };
  const kept = tools.filter(({ tool }) =>
    entries.some((entry) => allows(entry, tool, calls.get((tool as { name?: string }).name ?? ''))),
  );
  return { tools: kept, toolChoice: mode };
}
