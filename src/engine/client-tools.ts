import type { Item } from '../api/items.ts';
import type { Tool } from '../api/tools.ts';

/** What a tool the provider is offered stands for in the client's own terms. */
export interface ClientCall {
  name: string;
  namespace?: string;
  /** A client-executed `tool_search`: its calls leave as `tool_search_call` items. */
  search?: true;
}

/** A tool and where the client gave it (`tools[2]`, `tools[4].tools[1]`), for errors and warnings. */
export interface PlacedTool {
  tool: Tool;
  path: string;
}

export interface ClientTools {
  /** Function and custom tools only (and hosted tools, left as they are). */
  tools: PlacedTool[];
  /** By the name the provider knows a tool by. */
  calls: Map<string, ClientCall>;
}

type Named = Tool & { name: string };

/** The tools a `tool_search_output` or `additional_tools` item made available from then on. */
export function loadedTools(items: readonly Item[]): PlacedTool[] {
  return items.flatMap((item) =>
    (item.type === 'tool_search_output' || item.type === 'additional_tools') &&
    Array.isArray((item as { tools?: unknown }).tools)
      ? (item as unknown as { tools: Tool[] }).tools.map((tool, index) => ({
          tool,
          path: `the tools of ${item.type} item ${item.id} (${index})`,
        }))
      : [],
  );
}

function isClientSearch(tool: Tool): boolean {
  return tool.type === 'tool_search' && (tool as { execution?: unknown }).execution === 'client';
}

/**
 * The tools as every provider can take them: a `namespace` becomes its functions and custom
 * tools (under their own names, or `namespace__name` when another tool has that name), and a
 * client-executed `tool_search` a function of its parameters. `calls` maps each back.
 */
export function flattenClientTools(tools: readonly PlacedTool[]): ClientTools {
  const inner = tools.flatMap(({ tool, path }): Array<{ tool: Named; path: string; namespace?: string }> =>
    tool.type === 'namespace'
      ? ((tool as { tools?: Named[] }).tools ?? []).map((t, index) => ({
          tool: t,
          path: `${path}.tools[${index}]`,
          namespace: tool.name as string,
        }))
      : [{ tool: tool as Named, path }],
  );
  const counts = new Map<string, number>();
  for (const { tool } of inner) if (tool.name) counts.set(tool.name, (counts.get(tool.name) ?? 0) + 1);
  const calls = new Map<string, ClientCall>();
  const out: PlacedTool[] = [];
  for (const { tool, path, namespace } of inner) {
    if (isClientSearch(tool)) {
      const search = tool as { description?: string | null; parameters?: Record<string, unknown> | null };
      const parameters = search.parameters ?? { type: 'object', properties: {} };
      const description = search.description ?? 'Searches for more tools to use.';
      out.push({
        tool: { type: 'function', name: 'tool_search', description, parameters, strict: false },
        path,
      });
      calls.set('tool_search', { name: 'tool_search', search: true });
      continue;
    }
    if (namespace === undefined) {
      out.push({ tool, path });
      continue;
    }
    const name = (counts.get(tool.name) ?? 0) > 1 ? `${namespace}__${tool.name}` : tool.name;
    out.push({ tool: { ...tool, name }, path });
    calls.set(name, { name: tool.name, namespace });
  }
  return { tools: out, calls };
}

/** The provider's name for a call the client recorded as `name` within `namespace`. */
function flatName(calls: ReadonlyMap<string, ClientCall>, name: string, namespace: unknown): string {
  if (typeof namespace !== 'string') return name;
  for (const [flat, call] of calls) if (call.name === name && call.namespace === namespace) return flat;
  return name;
}

/**
 * History items as the provider sees them, one for one (paths into `input` stay valid): calls
 * within a namespace under their flat names, tool searches as a function call and its output.
 */
export function flattenClientItems(items: readonly Item[], calls: ReadonlyMap<string, ClientCall>): Item[] {
  return items.map((item): Item => {
    switch (item.type) {
      case 'function_call':
      case 'custom_tool_call': {
        const { namespace, ...rest } = item;
        return namespace ? { ...rest, name: flatName(calls, item.name, namespace) } : item;
      }
      case 'tool_search_call': {
        const call = item as { call_id?: string | null; arguments?: unknown };
        return {
          type: 'function_call',
          id: item.id,
          call_id: call.call_id ?? item.id,
          name: 'tool_search',
          arguments: JSON.stringify(call.arguments ?? {}),
          status: 'completed',
        };
      }
      case 'tool_search_output': {
        const output = item as { call_id?: string | null; tools?: unknown };
        return {
          type: 'function_call_output',
          id: item.id,
          call_id: output.call_id ?? item.id,
          output: JSON.stringify({ tools: output.tools ?? [] }),
          status: 'completed',
        };
      }
      default:
        return item;
    }
  });
}
