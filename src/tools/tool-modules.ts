import { codeInterpreterTool } from './code-interpreter/code-interpreter-tool.ts';
import type { Containers } from './code-interpreter/containers.ts';
import type { ToolModule } from './hosted-tool.ts';
import { fileSearchTool } from './file-search/file-search-tool.ts';
import { mcpTool } from './mcp/mcp-tool.ts';
import { webSearchTool } from './web-search/web-search-tool.ts';

/** What tools share across requests: the process's containers (and their Python processes). */
export interface ToolDependencies {
  containers: Containers;
}

/** Every built-in tool Portico runs, one module each (tools/<name>/). */
export function toolModules(dependencies: ToolDependencies): ToolModule[] {
  return [codeInterpreterTool(dependencies.containers), mcpTool, webSearchTool, fileSearchTool];
}
