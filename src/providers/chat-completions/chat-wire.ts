import { z } from 'zod';

/** Chat Completions as the wire spells it: request types out, the stream chunk schema in. */

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'low' | 'high' | 'auto' } }
  | { type: 'file'; file: { file_data: string; filename?: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string | null; refusal?: string; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatFunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type ChatResponseFormat =
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema: Record<string, unknown>; description?: string; strict?: boolean };
    };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  stream_options?: { include_usage: true };
  tools?: ChatFunctionTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ChatResponseFormat;
  reasoning_effort?: string;
  reasoning?: { effort: string };
  max_completion_tokens?: number;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  stop?: string[];
  logprobs?: true;
  top_logprobs?: number;
  verbosity?: string;
}

/** A field some servers fill with something other than a string: read as text only when it is one. */
const optionalText = z.string().nullish().catch(null);
const count = z.number().nullish().catch(null);

export const ChatToolCallDelta = z.looseObject({
  index: z.number().int().nullish(),
  id: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const ChatUsage = z.looseObject({
  prompt_tokens: count,
  completion_tokens: count,
  prompt_tokens_details: z.looseObject({ cached_tokens: count }).nullish().catch(null),
  completion_tokens_details: z.looseObject({ reasoning_tokens: count }).nullish().catch(null),
  /** DeepSeek's name for cached prompt tokens. */
  prompt_cache_hit_tokens: count,
});

export const ChatChunk = z.looseObject({
  object: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().nullish(),
        delta: z
          .looseObject({
            content: optionalText,
            refusal: optionalText,
            reasoning_content: optionalText,
            reasoning: optionalText,
            tool_calls: z.array(ChatToolCallDelta).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
        /** vLLM: the stop string that ended the answer (or a stop token's id). */
        stop_reason: z.union([z.string(), z.number()]).nullish().catch(null),
        logprobs: z.looseObject({ content: z.unknown() }).nullish().catch(null),
      }),
    )
    .nullish(),
  usage: ChatUsage.nullish(),
  /** Groq reports usage here. */
  x_groq: z.looseObject({ usage: ChatUsage.nullish() }).nullish().catch(null),
  /** A failure reported inside a 200 stream (OpenRouter, vLLM). */
  error: z.unknown().optional(),
  message: z.unknown().optional(),
});

export type ChatChunk = z.output<typeof ChatChunk>;
export type ChatUsage = z.output<typeof ChatUsage>;
export type ChatToolCallDelta = z.output<typeof ChatToolCallDelta>;

const isText = (value: unknown): boolean => value == null || typeof value === 'string';

/**
 * The chunk that comes by the thousand (one choice, a text or reasoning delta, no tool calls,
 * usage or logprobs), checked by hand: a schema parse each cost more than everything else done
 * with it. Undefined for any other chunk, which the schema reads.
 */
export function plainDeltaChunk(json: unknown): ChatChunk | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const chunk = json as Record<string, unknown>;
  if (chunk.usage != null || chunk.x_groq !== undefined || chunk.error !== undefined) return undefined;
  if (chunk.message !== undefined || !isText(chunk.object) || chunk.object === 'error') return undefined;
  const choices = chunk.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice = choices[0] as Record<string, unknown> | null;
  if (typeof choice !== 'object' || choice === null || choice.logprobs != null) return undefined;
  const { index, delta, finish_reason } = choice;
  if (!(index == null || Number.isInteger(index)) || !isText(finish_reason)) return undefined;
  if (typeof delta !== 'object' || delta === null) return undefined;
  const { content, refusal, reasoning_content, reasoning, tool_calls } = delta as Record<string, unknown>;
  const texts = isText(content) && isText(refusal) && isText(reasoning_content) && isText(reasoning);
  return texts && tool_calls == null ? (chunk as ChatChunk) : undefined;
}
