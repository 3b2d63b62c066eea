import { ApiError } from '../../api/errors.ts';
import type { Item } from '../../api/items.ts';
import type { NativeOutputItem } from '../../api/response.ts';
import type { ModelEvent } from '../../providers/provider.ts';
import { listServerTools, withMcpSession, type McpServer, type McpServerTool } from './mcp-session.ts';

/** A server's tools, and the events of the `mcp_list_tools` item that shows them (none when cached). */
export interface ToolList {
  tools: McpServerTool[];
  events: ModelEvent[];
}

/**
 * The tools of the server labelled `label`: from the latest `mcp_list_tools` of the history (a
 * chain or conversation lists a server once), else asked of the server now and shown as a new
 * `mcp_list_tools` item. A server that cannot list its tools fails the request with a 424.
 */
export async function toolList(
  server: McpServer,
  label: string,
  context: { items: readonly Item[]; path: string; id: string; signal: AbortSignal },
): Promise<ToolList> {
  const cached = [...context.items]
    .reverse()
    .find(
      (item) => item.type === 'mcp_list_tools' && (item as { server_label?: unknown }).server_label === label,
    );
  const cachedTools = (cached as { tools?: unknown; error?: unknown } | undefined)?.tools;
  if (cached && Array.isArray(cachedTools) && !(cached as { error?: unknown }).error)
    return { tools: cachedTools as McpServerTool[], events: [] };
  let tools: McpServerTool[];
  try {
    tools = await withMcpSession(server, context.signal, (client) => listServerTools(client, context.signal));
  } catch (error) {
    if (context.signal.aborted) throw error;
    throw new ApiError({
      status: 424,
      type: 'upstream_error',
      code: 'mcp_list_tools_failed',
      param: context.path,
      message: `Error retrieving tool list from MCP server '${label}': ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  const item = (listed: McpServerTool[]): NativeOutputItem => ({
    type: 'mcp_list_tools',
    id: context.id,
    server_label: label,
    tools: listed.map((tool) => ({
      name: tool.name,
      description: tool.description ?? null,
      input_schema: tool.inputSchema,
      annotations: tool.annotations ?? null,
    })),
    error: null,
  });
  const event = (type: `response.${string}`): ModelEvent => ({
    type: 'native-item-event',
    itemId: context.id,
    event: { type },
  });
  return {
    tools,
    events: [
      { type: 'native-item-start', item: item([]) },
      event('response.mcp_list_tools.in_progress'),
      event('response.mcp_list_tools.completed'),
      { type: 'native-item', item: item(tools) },
    ],
  };
}
