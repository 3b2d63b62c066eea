import type { ToolModule } from './hosted-tool.ts';
import { fileSearchTool } from './file-search/file-search-tool.ts';
import { mcpTool } from './mcp/mcp-tool.ts';
import { webSearchTool } from './web-search/web-search-tool.ts';

/** Every built-in tool Portico runs, one module each (tools/<name>/). */
export const TOOL_MODULES: readonly ToolModule[] = [mcpTool, webSearchTool, fileSearchTool];
