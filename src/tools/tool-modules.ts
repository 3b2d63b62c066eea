import type { ToolModule } from './hosted-tool.ts';

/** Every built-in tool Portico runs, one module each (tools/<name>/). */
export const TOOL_MODULES: readonly ToolModule[] = [];
