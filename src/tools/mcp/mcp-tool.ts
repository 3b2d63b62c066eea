import type { Item } from '../../api/items.ts';
import type { FunctionTool } from '../../api/tools.ts';
import { replayedCall, type BoundTool, type ToolModule } from '../hosted-tool.ts';
import { boundedFetch } from '../network/bounded-fetch.ts';
import { parseDefinition } from '../parse-definition.ts';
import { runMcpCall } from './mcp-call.ts';
import { isAllowed, McpDefinition, needsApproval } from './mcp-definition.ts';
import { functionName } from './mcp-function-names.ts';
import type { McpServer } from './mcp-session.ts';
import { toolList } from './mcp-tool-list.ts';

type Loose = Record<string, unknown>;

/** Bytes of one HTTP answer of an MCP server (a tool list, a call's result, an event stream). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * `mcp`: a remote MCP server's tools offered to the model as functions (`label__tool`), called
 * over Streamable HTTP or SSE; calls that need approval end the response with an
 * `mcp_approval_request`, and run when the client's next request approves them.
 */
export const mcpTool: ToolModule = {
  types: ['mcp'],
  itemTypes: ['mcp_list_tools', 'mcp_call', 'mcp_approval_request', 'mcp_approval_response'],

  async bind(definition, { services, path, items, input, signal }) {
    const parsed = parseDefinition(McpDefinition, definition, path);
    const label = parsed.server_label;
    const server: McpServer = {
      url: parsed.server_url,
      headers: {
        ...(parsed.headers ?? {}),
        ...(parsed.authorization ? { authorization: `Bearer ${parsed.authorization}` } : {}),
      },
      fetch: boundedFetch(services.clientFetch, MAX_ANSWER_BYTES),
    };
    const timed = () => AbortSignal.any([signal, AbortSignal.timeout(services.config.callTimeoutMs)]);
    const listed = await toolList(server, label, {
      items,
      path,
      id: services.newId('mcpl'),
      signal: timed(),
    });
    const byFunction = new Map<string, string>();
    const functions: FunctionTool[] = [];
    for (const tool of listed.tools) {
      if (!isAllowed(parsed, tool.name)) continue;
      const name = functionName(label, tool.name);
      byFunction.set(name, tool.name);
      functions.push({
        type: 'function',
        name,
        description: `${tool.description ?? tool.name} (tool '${tool.name}' of the MCP server '${label}'${parsed.server_description ? `: ${parsed.server_description}` : ''})`,
        parameters: tool.inputSchema,
        strict: false,
      });
    }

    const answers = approvalAnswers(input, items, label);
    const bound: BoundTool = {
      functions,
      opening: listed.events,
      // Calls the client answers in this request's input: the approved ones run now.
      async *resume(signal) {
        const fed: Item[] = [];
        for (const { request, answer } of answers) {
          const tool = String(request.name);
          const args = String(request.arguments);
          const callId = `call_${String(request.id)}`;
          let output: string;
          if (answer.approve === true) {
            const outcome = yield* runMcpCall({
              id: services.newId('mcp'),
              server,
              label,
              tool,
              arguments: args,
              approvalRequestId: String(request.id),
              signal: AbortSignal.any([signal, AbortSignal.timeout(services.config.callTimeoutMs)]),
            });
            yield { type: 'native-item', item: outcome.item };
            output = 'output' in outcome ? outcome.output : '';
          } else {
            output = `The user did not approve this call${typeof answer.reason === 'string' ? `: ${answer.reason}` : '.'}`;
          }
          fed.push(
            {
              type: 'function_call',
              id: services.newId('fc'),
              call_id: callId,
              name: functionName(label, tool),
              arguments: args,
            },
            { type: 'function_call_output', id: services.newId('fco'), call_id: callId, output },
          );
        }
        return fed;
      },
      forcedBy(choice) {
        if ((choice as Loose).server_label !== label) return undefined;
        const tool = (choice as Loose).name;
        return typeof tool === 'string' ? [functionName(label, tool)] : functions.map((fn) => fn.name);
      },
      async *run(call, { signal: callSignal }) {
        const tool = byFunction.get(call.name)!;
        if (needsApproval(parsed, tool))
          return {
            item: {
              type: 'mcp_approval_request',
              id: services.newId('mcpr'),
              server_label: label,
              name: tool,
              arguments: call.arguments,
            },
            awaitsClient: true,
          };
        return yield* runMcpCall({
          id: services.newId('mcp'),
          server,
          label,
          tool,
          arguments: call.arguments,
          signal: callSignal,
        });
      },
    };
    return bound;
  },

  replay(item, newId): Item[] {
    // A tool list is the model's tools, not its history; approvals reach it as the calls they led to.
    if (item.type !== 'mcp_call') return [];
    const call = item as unknown as Loose;
    const output =
      typeof call.output === 'string'
        ? call.output
        : `The call failed: ${JSON.stringify(call.error ?? null)}`;
    return replayedCall(
      newId,
      `call_${String(call.approval_request_id ?? call.id)}`,
      functionName(String(call.server_label), String(call.name)),
      String(call.arguments),
      output,
    );
  },
};

/** This request's answers to approval requests of the server labelled `label`, with the requests they answer. */
function approvalAnswers(
  input: readonly Item[],
  items: readonly Item[],
  label: string,
): Array<{ request: Loose; answer: Loose }> {
  const found: Array<{ request: Loose; answer: Loose }> = [];
  for (const answer of input.filter((item) => item.type === 'mcp_approval_response') as unknown as Loose[]) {
    const request = items.find((item) => item.id === answer.approval_request_id) as unknown as
      Loose | undefined;
    if (request?.type === 'mcp_approval_request' && request.server_label === label)
      found.push({ request, answer });
  }
  return found;
}
