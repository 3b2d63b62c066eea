import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface TestMcpServer {
  /** Streamable HTTP endpoint. */
  url: string;
  /** The older HTTP+SSE endpoint of the same tools (`GET /sse`, `POST /messages`). */
  sseUrl: string;
  /** Tool calls the server ran, by name, with their arguments. */
  calls: Array<{ name: string; args: unknown }>;
  /** How many times a client listed the tools. */
  lists: number;
  /** The Authorization header of every request. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

/** A real MCP server built with the SDK: `add`, `shout` and `explode` (a tool error), on loopback. */
export async function startMcpServer(): Promise<TestMcpServer> {
  const state: Omit<TestMcpServer, 'url' | 'sseUrl' | 'close'> = { calls: [], lists: 0, authorizations: [] };
  const build = () => {
    const server = new McpServer({ name: 'portico-test', version: '1.0.0' });
    server.registerTool(
      'add',
      { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
      async ({ a, b }) => {
        state.calls.push({ name: 'add', args: { a, b } });
        return { content: [{ type: 'text', text: String(a + b) }] };
      },
    );
    server.registerTool(
      'shout',
      { description: 'Says it louder.', inputSchema: { text: z.string() } },
      async ({ text }) => {
        state.calls.push({ name: 'shout', args: { text } });
        return { content: [{ type: 'text', text: text.toUpperCase() }] };
      },
    );
    server.registerTool('explode', { description: 'Always fails.' }, async () => {
      state.calls.push({ name: 'explode', args: {} });
      return { content: [{ type: 'text', text: 'boom' }], isError: true };
    });
    // Count list requests through the low-level server.
    const lowLevel = server.server as unknown as {
      _requestHandlers: Map<string, (...args: unknown[]) => unknown>;
    };
    const list = lowLevel._requestHandlers.get('tools/list')!;
    lowLevel._requestHandlers.set('tools/list', (...args: unknown[]) => {
      state.lists++;
      return list(...args);
    });
    return server;
  };
  const sse = new Map<string, SSEServerTransport>();
  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    state.authorizations.push(request.headers.authorization);
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://mcp.test');
      if (url.pathname === '/mcp') {
        // Stateless Streamable HTTP: a server and transport per request.
        const transport = new StreamableHTTPServerTransport({});
        response.on('close', () => void transport.close());
        await build().connect(transport);
        await transport.handleRequest(request, response);
      } else if (url.pathname === '/sse' && request.method === 'GET') {
        const transport = new SSEServerTransport('/messages', response);
        sse.set(transport.sessionId, transport);
        response.on('close', () => sse.delete(transport.sessionId));
        await build().connect(transport);
      } else if (url.pathname === '/messages' && request.method === 'POST') {
        const transport = sse.get(url.searchParams.get('sessionId') ?? '');
        if (!transport) response.writeHead(404).end();
        else await transport.handlePostMessage(request, response);
      } else {
        response.writeHead(404).end();
      }
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/mcp`,
    sseUrl: `http://127.0.0.1:${port}/sse`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
}
