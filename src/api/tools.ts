import { z } from 'zod';

const toolName = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, underscores or dashes');

export const FunctionTool = z.object({
  type: z.literal('function'),
  name: toolName,
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

export const CustomToolFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('grammar'), syntax: z.enum(['lark', 'regex']), definition: z.string() }),
]);

export const CustomTool = z.object({
  type: z.literal('custom'),
  name: toolName,
  description: z.string().nullish(),
  format: CustomToolFormat.nullish(),
});

/**
 * Function and custom tools under one name. The name is also a prefix of the names the model
 * is offered (client-tools.ts), so it follows the same rule as a tool's.
 */
export const NamespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: toolName,
  description: z.string().nullish(),
  tools: z.array(z.discriminatedUnion('type', [FunctionTool, CustomTool])).min(1),
});

/** Tool search; executed by the client, it is offered to the model as a function of `parameters`. */
export const ToolSearchTool = z.looseObject({
  type: z.literal('tool_search'),
  execution: z.enum(['server', 'client']).nullish(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
});

/** Hosted and client tool types Portico knows by name; their fields pass through untouched. */
export const OTHER_TOOL_TYPES = [
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'file_search',
  'code_interpreter',
  'image_generation',
  'mcp',
  'computer',
  'computer_use_preview',
  'local_shell',
  'shell',
  'apply_patch',
  'programmatic_tool_calling',
] as const;
export const OtherTool = z.looseObject({ type: z.enum(OTHER_TOOL_TYPES) });

export const Tool = z.discriminatedUnion('type', [
  FunctionTool,
  CustomTool,
  NamespaceTool,
  ToolSearchTool,
  OtherTool,
]);

export const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }),
  z.object({ type: z.literal('custom'), name: z.string().min(1) }),
  z.object({
    type: z.literal('allowed_tools'),
    mode: z.enum(['auto', 'required']),
    tools: z.array(z.looseObject({ type: z.string() })),
  }),
  z.looseObject({ type: z.string() }),
]);

export type FunctionTool = z.output<typeof FunctionTool>;
export type CustomTool = z.output<typeof CustomTool>;
export type NamespaceTool = z.output<typeof NamespaceTool>;
export type Tool = z.output<typeof Tool>;
export type ToolChoice = z.output<typeof ToolChoice>;
