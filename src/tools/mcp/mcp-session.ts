import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fetchFailure } from '../network/guarded-fetch.ts';

/** Where an MCP server is and what to send it. */
export interface McpServer {
  url: string;
  headers: Record<string, string>;
  /** The fetch for URLs clients name: guarded, its answers bounded. */
  fetch: typeof fetch;
}

/** A tool a server offers, as `tools/list` gives it. */
export interface McpServerTool {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown> | undefined;
}

/** Tools one list may hold: a server that sends more is cut there. */
const MAX_TOOLS = 200;
const CLIENT = { name: 'portico', version: '0.1.0' };

/**
 * Opens a session with an MCP server for one job and closes it after: Streamable HTTP first, the
 * older HTTP+SSE transport when the server does not speak it. A session per job keeps nothing
 * open between requests (or for a background response queued now and run later).
 */
export async function withMcpSession<T>(
  server: McpServer,
  signal: AbortSignal,
  job: (client: Client) => Promise<T>,
): Promise<T> {
  const client = await connect(server, signal);
  try {
    return await job(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The SDK loads with the first MCP server a request names, not with the server. */
async function connect(server: McpServer, signal: AbortSignal): Promise<Client> {
  const [{ Client }, { SSEClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const url = new URL(server.url);
  const requestInit = { headers: server.headers };
  const streamable = new Client(CLIENT);
  try {
    await streamable.connect(new StreamableHTTPClientTransport(url, { requestInit, fetch: server.fetch }), {
      signal,
    });
    return streamable;
  } catch (first) {
    await streamable.close().catch(() => undefined);
    if (signal.aborted) throw first;
    const sse = new Client(CLIENT);
    try {
      await sse.connect(new SSEClientTransport(url, { requestInit, fetch: server.fetch }), { signal });
      return sse;
    } catch {
      await sse.close().catch(() => undefined);
      throw new Error(`The MCP server at ${url.origin} could not be reached: ${fetchFailure(first)}`);
    }
  }
}

/** The server's tools, every page of them up to MAX_TOOLS. */
export async function listServerTools(client: Client, signal: AbortSignal): Promise<McpServerTool[]> {
  const tools: McpServerTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : {}, { signal });
    tools.push(...(page.tools as McpServerTool[]));
    cursor = page.nextCursor;
  } while (cursor && tools.length < MAX_TOOLS);
  return tools.slice(0, MAX_TOOLS);
}

/** What a tool call gave back: its text for the model, and whether the tool reported an error. */
export async function callServerTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ output: string; isError: boolean }> {
  const result = await client.callTool({ name, arguments: args }, undefined, { signal });
  const content = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  const output = content
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : JSON.stringify(part)))
    .join('\n');
  const structured =
    output === '' && result.structuredContent ? JSON.stringify(result.structuredContent) : '';
  return { output: output || structured, isError: result.isError === true };
}
