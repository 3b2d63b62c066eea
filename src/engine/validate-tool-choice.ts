import { badRequest } from '../api/errors.ts';
import type { Tool, ToolChoice } from '../api/tools.ts';

/** The request's tools with the functions and custom tools inside `namespace` tools. */
function flatten(tools: readonly Tool[]): Array<{ type: string; name?: unknown }> {
  return tools.flatMap((tool) => {
    const inner = (tool as { tools?: unknown }).tools;
    return tool.type === 'namespace' && Array.isArray(inner) ? [tool, ...(inner as Tool[])] : [tool];
  });
}

function named(tools: readonly Tool[], type: string, name: unknown): boolean {
  return flatten(tools).some((tool) => tool.type === type && tool.name === name);
}

function describe(tools: readonly Tool[]): string {
  const names = flatten(tools).flatMap((tool) =>
    tool.type === 'function' || tool.type === 'custom' ? [`'${String(tool.name)}'`] : [],
  );
  return names.length > 0 ? `the request's tools are ${names.join(', ')}` : 'the request has no such tool';
}

/**
 * Checks `tool_choice` against the request's tools: a forced function or custom tool must be
 * one of them, every `allowed_tools` entry must name one, and requiring a tool call needs a
 * tool to call. Each violation is a 400 naming the part of `tool_choice` at fault.
 */
export function validateToolChoice(choice: ToolChoice, tools: readonly Tool[]): void {
  if (choice === 'none' || choice === 'auto') return;
  if (choice === 'required') {
    if (tools.length === 0)
      throw badRequest(
        'tool_choice',
        "tool_choice 'required' needs at least one tool in 'tools'.",
        'invalid_value',
      );
    return;
  }
  if (tools.length === 0)
    throw badRequest(
      'tool_choice',
      `tool_choice forces a '${choice.type}' tool, but the request has no tools.`,
      'invalid_value',
    );
  if (choice.type === 'function' || choice.type === 'custom') {
    const name = (choice as { name?: unknown }).name;
    if (!named(tools, choice.type, name))
      throw badRequest(
        'tool_choice.name',
        `tool_choice names the ${choice.type} tool ${JSON.stringify(name)}, which is not in 'tools': ${describe(tools)}.`,
        'invalid_value',
      );
    return;
  }
  if (choice.type !== 'allowed_tools') return;
  const allowed = (choice as { tools?: unknown }).tools;
  if (!Array.isArray(allowed) || allowed.length === 0)
    throw badRequest('tool_choice.tools', 'allowed_tools needs at least one tool.', 'invalid_value');
  allowed.forEach((entry: { type: string; name?: unknown }, index) => {
    const listed =
      entry.type === 'function' || entry.type === 'custom'
        ? named(tools, entry.type, entry.name)
        : tools.some((tool) => tool.type === entry.type);
    if (!listed)
      throw badRequest(
        `tool_choice.tools[${index}]`,
        `allowed_tools lists the ${entry.type} tool${entry.name !== undefined ? ` ${JSON.stringify(entry.name)}` : ''}, which is not in 'tools': ${describe(tools)}.`,
        'invalid_value',
      );
  });
}
