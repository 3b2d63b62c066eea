import type { NativeOutputItem } from '../../api/response.ts';
import type { ModelEvent } from '../../providers/provider.ts';
import type { ToolOutcome } from '../hosted-tool.ts';
import { callServerTool, withMcpSession, type McpServer } from './mcp-session.ts';

export interface McpCallSpec {
  id: string;
  server: McpServer;
  label: string;
  tool: string;
  /** The arguments as the model wrote them. */
  arguments: string;
  /** The approval request this call carries out, when the client approved it. */
  approvalRequestId?: string;
  signal: AbortSignal;
}

/**
 * One `mcp_call`: its item and `response.mcp_call.*` events, the server's answer (or why there
 * was none) for the model. Arguments that are not a JSON object never reach the server.
 */
export async function* runMcpCall(spec: McpCallSpec): AsyncGenerator<ModelEvent, ToolOutcome, undefined> {
  const item = (fields: Partial<NativeOutputItem>): NativeOutputItem => ({
    type: 'mcp_call',
    id: spec.id,
    server_label: spec.label,
    name: spec.tool,
    arguments: spec.arguments,
    ...(spec.approvalRequestId ? { approval_request_id: spec.approvalRequestId } : {}),
    output: null,
    error: null,
    status: 'in_progress',
    ...fields,
  });
  const event = (type: `response.${string}`, fields: object = {}): ModelEvent => ({
    type: 'native-item-event',
    itemId: spec.id,
    event: { type, ...fields },
  });
  yield { type: 'native-item-start', item: item({}) };
  yield event('response.mcp_call.in_progress');
  yield event('response.mcp_call_arguments.delta', { delta: spec.arguments });
  yield event('response.mcp_call_arguments.done', { arguments: spec.arguments });
  const args = parseObject(spec.arguments);
  if (!args) {
    yield event('response.mcp_call.failed');
    const message = 'The arguments must be a JSON object.';
    return {
      item: item({ status: 'failed', error: { type: 'mcp_protocol_error', code: -32602, message } }),
      output: message,
    };
  }
  try {
    const result = await withMcpSession(spec.server, spec.signal, (client) =>
      callServerTool(client, spec.tool, args, spec.signal),
    );
    if (result.isError) {
      yield event('response.mcp_call.failed');
      return {
        item: item({ status: 'failed', error: { type: 'mcp_tool_execution_error', content: result.output } }),
        output: `The tool reported an error: ${result.output}`,
      };
    }
    yield event('response.mcp_call.completed');
    return { item: item({ status: 'completed', output: result.output }), output: result.output };
  } catch (error) {
    if (spec.signal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const code =
      typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -32603;
    yield event('response.mcp_call.failed');
    return {
      item: item({ status: 'failed', error: { type: 'mcp_protocol_error', code, message } }),
      output: `The call failed: ${message}`,
    };
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
