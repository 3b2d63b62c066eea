import { z } from 'zod';
import { MessageItem, OutputTextPart, RefusalPart, ReasoningTextPart, SummaryTextPart } from './items.ts';
import { PromptMessage, PromptVariableValue, ReasoningConfig, TextConfig } from './request.ts';
import { Tool, ToolChoice } from './tools.ts';

const itemStatus = z.enum(['in_progress', 'completed', 'incomplete']);

export const OutputMessage = z.object({
  type: z.literal('message'),
  id: z.string(),
  role: z.literal('assistant'),
  status: itemStatus,
  /** Intermediate commentary, or the final answer (the last message of a response). */
  phase: z.enum(['commentary', 'final_answer']).nullish(),
  content: z.array(z.discriminatedUnion('type', [OutputTextPart, RefusalPart])),
});

export const OutputReasoning = z.object({
  type: z.literal('reasoning'),
  id: z.string(),
  summary: z.array(SummaryTextPart),
  content: z.array(ReasoningTextPart).optional(),
  encrypted_content: z.string().nullable().optional(),
  status: itemStatus.optional(),
});

export const OutputFunctionCall = z.object({
  type: z.literal('function_call'),
  id: z.string(),
  call_id: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  arguments: z.string(),
  status: itemStatus,
});

export const OutputCustomToolCall = z.object({
  type: z.literal('custom_tool_call'),
  id: z.string(),
  call_id: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  input: z.string(),
});

/** An upstream item Portico does not run itself (web search, image generation, ...), kept as sent. */
export const NativeOutputItem = z.looseObject({ type: z.string(), id: z.string() });

export const OutputItem = z.union([
  OutputMessage,
  OutputReasoning,
  OutputFunctionCall,
  OutputCustomToolCall,
  NativeOutputItem,
]);

export const Usage = z.object({
  input_tokens: z.int(),
  input_tokens_details: z.object({ cached_tokens: z.int(), cache_write_tokens: z.int() }),
  output_tokens: z.int(),
  output_tokens_details: z.object({ reasoning_tokens: z.int() }),
  total_tokens: z.int(),
});

export const ResponseStatus = z.enum([
  'queued',
  'in_progress',
  'completed',
  'incomplete',
  'failed',
  'cancelled',
]);

export const ResponseObject = z.object({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.int(),
  status: ResponseStatus,
  completed_at: z.int().nullable(),
  background: z.boolean(),
  model: z.string(),
  output: z.array(OutputItem),
  output_text: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  incomplete_details: z.object({ reason: z.enum(['max_output_tokens', 'content_filter']) }).nullable(),
  /** A stored prompt's messages, its variables filled, where the request named a prompt. */
  instructions: z
    .union([
      z.string(),
      z.array(
        z.object({
          type: z.literal('message'),
          role: PromptMessage.shape.role,
          content: MessageItem.shape.content,
        }),
      ),
    ])
    .nullable(),
  /** The stored prompt the request named, with the version it used. */
  prompt: z
    .object({
      id: z.string(),
      version: z.string().nullish(),
      variables: z.record(z.string(), PromptVariableValue).nullish(),
    })
    .nullable()
    .optional(),
  metadata: z.record(z.string(), z.string()),
  temperature: z.number().nullable(),
  top_p: z.number().nullable(),
  max_output_tokens: z.int().nullable(),
  max_tool_calls: z.int().nullable(),
  previous_response_id: z.string().nullable(),
  /** The conversation the response read and appended to, when it used one. */
  conversation: z.object({ id: z.string() }).nullable().optional(),
  parallel_tool_calls: z.boolean(),
  reasoning: ReasoningConfig.nullable(),
  text: TextConfig,
  tool_choice: ToolChoice,
  tools: z.array(Tool),
  truncation: z.enum(['auto', 'disabled']),
  service_tier: z.string(),
  store: z.boolean(),
  /** Deprecated in the API; null when not sent (Open Responses requires the key, OpenAI's examples send null). */
  user: z.string().nullable(),
  safety_identifier: z.string().nullable(),
  prompt_cache_key: z.string().nullable(),
  /** Open Responses requires these three as numbers (OpenAI's schema allows null). */
  top_logprobs: z.int(),
  presence_penalty: z.number(),
  frequency_penalty: z.number(),
  /** Null until the response ends (Open Responses requires the key; OpenAI streams it so). */
  usage: Usage.nullable(),
});

export type OutputMessage = z.output<typeof OutputMessage>;
export type OutputReasoning = z.output<typeof OutputReasoning>;
export type OutputFunctionCall = z.output<typeof OutputFunctionCall>;
export type OutputCustomToolCall = z.output<typeof OutputCustomToolCall>;
export type OutputItem =
  OutputMessage | OutputReasoning | OutputFunctionCall | OutputCustomToolCall | NativeOutputItem;
export type NativeOutputItem = { type: string; id: string; [key: string]: unknown };
export type Usage = z.output<typeof Usage>;
export type ResponseStatus = z.output<typeof ResponseStatus>;
export type ResponseObject = Omit<z.output<typeof ResponseObject>, 'output'> & { output: OutputItem[] };

/** Whether a response has ended: nothing of it runs or waits to run any more. */
export function hasEnded(response: Pick<ResponseObject, 'status'>): boolean {
  return response.status !== 'queued' && response.status !== 'in_progress';
}

/** The concatenated text of every output_text part, as the SDKs' `output_text` convenience. */
export function outputText(output: readonly OutputItem[]): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of (item as OutputMessage).content) if (part.type === 'output_text') text += part.text;
  }
  return text;
}
