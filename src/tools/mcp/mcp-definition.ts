import { z } from 'zod';

const toolNames = z.array(z.string().min(1).max(128)).max(500);
const ToolFilter = z.looseObject({ tool_names: toolNames.nullish(), read_only: z.boolean().nullish() });

/** An `mcp` tool definition, as the Responses API spells it. */
export const McpDefinition = z.looseObject({
  type: z.literal('mcp'),
  server_label: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, underscores or dashes'),
  server_url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
  server_description: z.string().max(10_000).nullish(),
  headers: z.record(z.string().max(256), z.string().max(8192)).nullish(),
  authorization: z.string().max(8192).nullish(),
  allowed_tools: z.union([toolNames, ToolFilter]).nullish(),
  require_approval: z
    .union([
      z.enum(['always', 'never']),
      z.looseObject({ always: ToolFilter.nullish(), never: ToolFilter.nullish() }),
    ])
    .nullish(),
});
export type McpDefinition = z.output<typeof McpDefinition>;

/** Whether the definition lets the model see a tool of the server. */
export function isAllowed(definition: McpDefinition, tool: string): boolean {
  const allowed = definition.allowed_tools;
  if (!allowed) return true;
  const names = Array.isArray(allowed) ? allowed : allowed.tool_names;
  return !names || names.includes(tool);
}

/** Whether a call of `tool` waits for the client's approval (OpenAI's default: always). */
export function needsApproval(definition: McpDefinition, tool: string): boolean {
  const policy = definition.require_approval ?? 'always';
  if (typeof policy === 'string') return policy === 'always';
  if (policy.never?.tool_names?.includes(tool)) return false;
  // Named in `always`, or in neither list: approval, as with `always`.
  return true;
}
