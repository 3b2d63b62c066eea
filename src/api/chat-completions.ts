import { z } from 'zod';
import type { ErrorBody } from './errors.ts';
import type { TokenLogprob } from './items.ts';
import { CreateResponseRequest, ModelField, ReasoningConfig } from './request.ts';
import { FunctionTool } from './tools.ts';

/** Tool and schema names follow the same rule in both APIs. */
const identifier = FunctionTool.shape.name;

/**
 * Message content: a string is shorthand for one text part. Normalizing it before validation
 * lets a bad part be named exactly (`messages[1].content[2].type`), as a union could not.
 */
function content<T extends z.ZodType>(part: T, what: string) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? [{ type: 'text', text: value }] : value),
    z.array(part, { error: `content must be a string or a list of ${what}` }),
  );
}

export const ChatTextPart = z.object({ type: z.literal('text'), text: z.string() });
export const ChatImagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).nullish() }),
});
export const ChatFilePart = z.object({
  type: z.literal('file'),
  file: z.object({
    file_data: z.string().nullish(),
    file_id: z.string().nullish(),
    filename: z.string().nullish(),
  }),
});
export const ChatRefusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

export const ChatToolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

/** `name` (a participant's name) is accepted everywhere and not sent to the model. */
const name = z.string().nullish();
const textContent = content(ChatTextPart, 'text parts');

export const ChatMessage = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('system'), content: textContent, name }),
  z.strictObject({ role: z.literal('developer'), content: textContent, name }),
  z.strictObject({
    role: z.literal('user'),
    content: content(
      z.discriminatedUnion('type', [ChatTextPart, ChatImagePart, ChatFilePart]),
      'text, image_url or file parts',
    ),
    name,
  }),
  z.strictObject({
    role: z.literal('assistant'),
    content: content(
      z.discriminatedUnion('type', [ChatTextPart, ChatRefusalPart]),
      'text or refusal parts',
    ).nullish(),
    refusal: z.string().nullish(),
    tool_calls: z.array(ChatToolCall).nullish(),
    name,
    // What an earlier answer carried, echoed back by clients that resend messages as received.
    reasoning_content: z.string().nullish(),
    annotations: z.array(z.unknown()).nullish(),
    audio: z.null().optional(),
    function_call: z.null().optional(),
  }),
  z.strictObject({
    role: z.literal('tool'),
    content: textContent,
    tool_call_id: z.string().min(1, 'tool_call_id must not be empty'),
  }),
]);

export const ChatTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: identifier,
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

export const ChatToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);

export const ChatResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: identifier,
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown(), { error: 'schema is required: a JSON schema object' }),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const responses = CreateResponseRequest.shape;

/**
 * `POST /v1/chat/completions`. Unknown parameters are refused, as on /v1/responses; known ones
 * Portico cannot honour (logit_bias, audio, ...) are refused after parsing.
 */
export const ChatCompletionRequest = z.strictObject({
  model: ModelField,
  messages: z
    .array(ChatMessage, { error: 'messages must be a list of messages' })
    .min(1, 'messages must not be empty'),
  tools: z.array(ChatTool).nullish(),
  tool_choice: ChatToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: ChatResponseFormat.nullish(),
  max_tokens: z.int().min(1, 'max_tokens must be at least 1').nullish(),
  max_completion_tokens: z.int().min(1, 'max_completion_tokens must be at least 1').nullish(),
  temperature: responses.temperature,
  top_p: responses.top_p,
  seed: responses.seed,
  reasoning_effort: ReasoningConfig.shape.effort,
  verbosity: z.enum(['low', 'medium', 'high']).nullish(),
  metadata: responses.metadata,
  user: responses.user,
  safety_identifier: responses.safety_identifier,
  prompt_cache_key: responses.prompt_cache_key,
  prompt_cache_retention: z.enum(['in-memory', '24h']).nullish(),
  service_tier: responses.service_tier,
  stream: z.boolean().nullish(),
  stream_options: z
    .strictObject({ include_usage: z.boolean().nullish(), include_obfuscation: z.boolean().nullish() })
    .nullish(),
  n: z.int().min(1).max(8, 'n is at most 8').nullish(),
  stop: z
    .union([z.string().min(1), z.array(z.string().min(1)).max(4, 'stop takes up to 4 sequences')])
    .nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  store: z.boolean().nullish(),
  modalities: z.array(z.enum(['text', 'audio'])).nullish(),
});

export type ChatCompletionRequest = z.output<typeof ChatCompletionRequest>;
export type ChatMessage = z.output<typeof ChatMessage>;
export type ChatTool = z.output<typeof ChatTool>;
export type ChatToolChoice = z.output<typeof ChatToolChoice>;
export type ChatResponseFormat = z.output<typeof ChatResponseFormat>;

/** A choice's token log probabilities (with `logprobs: true`): the Responses ones, as Chat Completions nests them. */
export interface ChatLogprobs {
  content: TokenLogprob[];
  refusal: null;
}

export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: Array<z.output<typeof ChatToolCall>>;
  /** The model's reasoning, as vLLM and DeepSeek return it; present only when there was some. */
  reasoning_content?: string;
}

/** The non-streaming answer. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    finish_reason: ChatFinishReason;
    logprobs: ChatLogprobs | null;
  }>;
  usage: ChatUsage;
}

export interface ChatToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

export interface ChatDelta {
  role?: 'assistant';
  content?: string;
  refusal?: string | null;
  reasoning_content?: string;
  tool_calls?: ChatToolCallDelta[];
}

/** One streamed chunk; with `stream_options.include_usage`, the last one has no choices and the usage. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: ChatDelta;
    logprobs: ChatLogprobs | null;
    finish_reason: ChatFinishReason | null;
  }>;
  usage?: ChatUsage | null;
}

/** What a stream carries when generation fails after it began: the OpenAI error object. */
export type ChatStreamError = ErrorBody;

export type ChatStreamItem = ChatCompletionChunk | ChatStreamError;
