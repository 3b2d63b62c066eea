import { z } from 'zod';
import { Tool } from './tools.ts';

/** Content parts, as the Responses API spells them. */
export const InputTextPart = z.object({ type: z.literal('input_text'), text: z.string() });
export const InputImagePart = z.object({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(['low', 'high', 'auto', 'original']).default('auto'),
});
export const InputFilePart = z.object({
  type: z.literal('input_file'),
  file_id: z.string().nullish(),
  file_data: z.string().nullish(),
  file_url: z.string().nullish(),
  filename: z.string().nullish(),
});
export const Logprob = z.looseObject({ token: z.string(), logprob: z.number() });

/** A token's log probability and the most likely alternatives, as the Responses API spells it. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}
export const OutputTextPart = z.object({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.looseObject({ type: z.string() })).default([]),
  logprobs: z.array(Logprob).default([]),
});
export const RefusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
export const SummaryTextPart = z.object({ type: z.literal('summary_text'), text: z.string() });
export const ReasoningTextPart = z.object({ type: z.literal('reasoning_text'), text: z.string() });

export const ContentPart = z.discriminatedUnion('type', [
  InputTextPart,
  InputImagePart,
  InputFilePart,
  OutputTextPart,
  RefusalPart,
]);

const itemStatus = z.enum(['in_progress', 'completed', 'incomplete']);

/** A message in any of its three input forms; string content is normalized to one text part. */
export const MessageItem = z.object({
  type: z.literal('message'),
  id: z.string().nullish(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(ContentPart)]),
  status: itemStatus.nullish(),
  phase: z.enum(['commentary', 'final_answer']).nullish(),
});

export const FunctionCallItem = z.object({
  type: z.literal('function_call'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  namespace: z.string().nullish(),
  status: itemStatus.nullish(),
});

const toolOutput = z.union([z.string(), z.array(ContentPart)]);

export const FunctionCallOutputItem = z.object({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1).max(64),
  output: toolOutput,
  name: z.string().nullish(),
  status: itemStatus.nullish(),
});

export const CustomToolCallItem = z.object({
  type: z.literal('custom_tool_call'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
  namespace: z.string().nullish(),
});

export const CustomToolCallOutputItem = z.object({
  type: z.literal('custom_tool_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: toolOutput,
});

export const ReasoningItem = z.object({
  type: z.literal('reasoning'),
  id: z.string().nullish(),
  summary: z.array(SummaryTextPart).default([]),
  content: z.array(ReasoningTextPart).nullish(),
  encrypted_content: z.string().nullish(),
  status: itemStatus.nullish(),
});

export const ItemReference = z.object({ type: z.literal('item_reference'), id: z.string().min(1) });

/** Item types Portico accepts, stores and passes upstream untouched without acting on them. */
export const PASSTHROUGH_ITEM_TYPES = [
  'web_search_call',
  'file_search_call',
  'code_interpreter_call',
  'image_generation_call',
  'computer_call',
  'computer_call_output',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'tool_search_call',
  'compaction',
  'compaction_trigger',
  'program',
  'program_output',
] as const;
export const PassthroughItem = z.looseObject({
  type: z.enum(PASSTHROUGH_ITEM_TYPES),
  id: z.string().nullish(),
});

/**
 * Tools a client's tool search loaded, or that a client adds to the conversation: the model is
 * offered them from then on (engine/client-tools.ts), so they are checked as `tools` are.
 */
export const ToolsItem = z.looseObject({
  type: z.enum(['tool_search_output', 'additional_tools']),
  id: z.string().nullish(),
  tools: z.array(Tool),
});

const typedInputItem = z.discriminatedUnion('type', [
  MessageItem,
  FunctionCallItem,
  FunctionCallOutputItem,
  CustomToolCallItem,
  CustomToolCallOutputItem,
  ReasoningItem,
  ItemReference,
  ToolsItem,
  PassthroughItem,
]);

/** `type` may be left out of an easy message (it has a role) and of an item reference (a lone id). */
export const InputItem = z.preprocess((value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || 'type' in value) return value;
  if ('role' in value) return { ...value, type: 'message' };
  if ('id' in value) return { ...value, type: 'item_reference' };
  return value;
}, typedInputItem);

export type ContentPart = z.output<typeof ContentPart>;
export type OutputTextPart = z.output<typeof OutputTextPart>;
export type InputItem = z.output<typeof InputItem>;
export type MessageItem = z.output<typeof MessageItem>;
export type FunctionCallItem = z.output<typeof FunctionCallItem>;
export type ReasoningItem = z.output<typeof ReasoningItem>;

/**
 * An item as Portico stores it and hands it to providers: every item has an id, and a
 * message's content is always a list of parts.
 */
export type Item =
  | (Omit<MessageItem, 'content' | 'id'> & { id: string; content: ContentPart[] })
  | (Exclude<InputItem, MessageItem | { type: 'item_reference' }> & { id: string });

export type MessageOf<T extends Item> = Extract<T, { type: 'message' }>;
