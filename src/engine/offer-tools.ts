import type { Item } from '../api/items.ts';
import type { Tool, ToolChoice } from '../api/tools.ts';
import { applyAllowedTools } from './allowed-tools.ts';
import { flattenClientTools, loadedTools, type ClientCall, type PlacedTool } from './client-tools.ts';

export interface OfferedTools {
  /** What the provider is offered, each with the client's path to it. */
  tools: PlacedTool[];
  toolChoice: ToolChoice;
  /** How calls map back to what the client offered. */
  calls: Map<string, ClientCall>;
}

/**
 * The tools a turn offers the model: the request's (validated and normalized) and those that
 * earlier tool searches loaded, flattened for every provider and limited by `allowed_tools`.
 */
export function offerTools(
  tools: readonly Tool[],
  choice: ToolChoice,
  context: readonly Item[],
): OfferedTools {
  const placed = [
    ...tools.map((tool, index) => ({ tool, path: `tools[${index}]` })),
    ...loadedTools(context),
  ];
  const flat = flattenClientTools(placed);
  const allowed = applyAllowedTools(flat.tools, choice, flat.calls);
  return { tools: allowed.tools, toolChoice: allowed.toolChoice, calls: flat.calls };
}
