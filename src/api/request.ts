import { z } from 'zod';
import { badRequest } from './errors.ts';
import { clip } from './limits.ts';
import {
  ContentPart,
  InputFilePart,
  InputImagePart,
  InputItem,
  InputTextPart,
  MessageItem,
} from './items.ts';
import { Tool, ToolChoice } from './tools.ts';

export const TextFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, underscores or dashes'),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
]);

export const TextConfig = z.object({
  format: TextFormat.nullish(),
  verbosity: z.enum(['low', 'medium', 'high']).nullish(),
});

export const ReasoningConfig = z.object({
  effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullish(),
  summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
  generate_summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
  context: z.enum(['auto', 'current_turn', 'all_turns']).nullish(),
  mode: z.string().nullish(),
});

export const INCLUDABLE = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
] as const;

/** `metadata` of responses and conversations. */
export const Metadata = z
  .record(
    z.string().max(64, 'metadata keys are at most 64 characters'),
    z.string().max(512, 'metadata values are at most 512 characters'),
  )
  .refine((value) => Object.keys(value).length <= 16, 'metadata has at most 16 pairs');

/** `model` of a request: the model to answer, a catalog id or alias. */
export const ModelField = z
  .string({ error: 'model must be a string naming a model' })
  .min(1, 'model is required');

/** `input` of a request: a user message's text, or items. */
export const InputField = z.union([z.string(), z.array(InputItem)], {
  error: 'input must be a string or a list of items',
});

/** What a prompt variable is filled with, as the Responses API's `prompt.variables` allows. */
export const PromptVariableValue = z.union([z.string(), InputTextPart, InputImagePart, InputFilePart]);
export type PromptVariableValue = z.output<typeof PromptVariableValue>;

/**
 * `POST /v1/responses`: every parameter of OpenAI's published CreateResponse, and
 * `client_metadata` (Codex sends it; OpenAI takes it). Unknown parameters are refused, as
 * OpenAI does.
 */
export const CreateResponseRequest = z.strictObject({
  // Both may be left to a stored prompt (`prompt`): parseResponseRequest requires them otherwise.
  model: ModelField.optional(),
  input: InputField.optional(),
  instructions: z.string().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  conversation: z.union([z.string().min(1), z.strictObject({ id: z.string().min(1) })]).nullish(),
  store: z.boolean().nullish(),
  background: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().nullish() }).nullish(),
  include: z.array(z.enum(INCLUDABLE)).nullish(),
  max_output_tokens: z.int().min(1, 'max_output_tokens must be at least 1').nullish(),
  max_tool_calls: z.int().min(0).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  /** Open Responses sampling penalties; OpenAI's Responses API has none. */
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  text: TextConfig.nullish(),
  reasoning: ReasoningConfig.nullish(),
  tools: z.array(Tool).nullish(),
  tool_choice: ToolChoice.nullish(),
  prompt: z
    .object({
      id: z.string(),
      version: z.string().nullish(),
      variables: z.record(z.string(), PromptVariableValue).nullish(),
    })
    .nullish(),
  metadata: Metadata.nullish(),
  prompt_cache_key: z.string().nullish(),
  prompt_cache_retention: z.enum(['in_memory', '24h']).nullish(),
  prompt_cache_options: z.looseObject({}).nullish(),
  moderation: z.looseObject({ model: z.string() }).nullish(),
  client_metadata: z.record(z.string(), z.unknown()).nullish(),
  safety_identifier: z.string().max(64).nullish(),
  user: z.string().nullish(),
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority', 'fast', 'ultrafast']).nullish(),
  seed: z.int().nullish(),
  context_management: z
    .array(
      // Only `compaction` is acted on (the only type OpenAI defines yet); others pass unused.
      z.looseObject({
        type: z.string(),
        compact_threshold: z.int().min(1000, 'compact_threshold is at least 1000 tokens').nullish(),
      }),
    )
    .min(1)
    .nullish(),
});

export type CreateResponseRequest = Omit<z.output<typeof CreateResponseRequest>, 'model' | 'input'> & {
  /** MODEL_FROM_PROMPT until the prompt the request names is rendered (gateway/resolve-prompts.ts). */
  model: string;
  input: z.output<typeof InputField>;
} & EntryPointFields;

/** What a request may leave to the stored prompt it names. */
const LEFT_TO_PROMPT = ['model', 'input'] as const;

/** A request's model while the stored prompt it names, not the request, is to name it. */
export const MODEL_FROM_PROMPT = '';

/**
 * A `POST /v1/responses` body, as every entry point reads it: `model` and `input` are required
 * unless a stored prompt (`prompt`) is named, whose model a request without one uses and whose
 * messages may be all the input there is.
 */
export function parseResponseRequest(body: unknown): CreateResponseRequest {
  const request = parseBody(CreateResponseRequest, body);
  if (!request.prompt)
    for (const param of LEFT_TO_PROMPT)
      if (request[param] === undefined)
        throw badRequest(param, `Missing required parameter: '${param}'.`, 'missing_required_parameter');
  request.model ??= MODEL_FROM_PROMPT;
  request.input ??= [];
  return request as CreateResponseRequest;
}

/**
 * What entry points other than `POST /v1/responses` add to a request (never accepted from
 * its body): Chat Completions' `stop`, and `generate: false` of a WebSocket warm-up. They
 * travel with the request, so the gateway's cache tells such requests apart.
 */
export interface EntryPointFields {
  /** Sequences that end the output where they appear. */
  stop?: string[] | undefined;
  /** `false`: build and check the context without running the model. */
  generate?: boolean | undefined;
  /**
   * The stored prompt's messages, its variables filled (gateway/resolve-prompts.ts): the
   * response's instructions, sent before everything else and never inherited by a later
   * response. Set once; a request that has them is rendered.
   */
  promptMessages?: PromptMessage[] | undefined;
}

/** A message of a rendered prompt, as a response's `instructions` lists it. */
export const PromptMessage = z.object({
  type: z.literal('message'),
  role: MessageItem.shape.role,
  content: z.array(ContentPart),
});
export type PromptMessage = z.output<typeof PromptMessage>;
export type TextConfig = z.output<typeof TextConfig>;
export type ReasoningConfig = z.output<typeof ReasoningConfig>;

/** Wire path of a zod issue, as OpenAI names parameters: `input[0].content[1].text`. */
export function paramPath(path: readonly PropertyKey[]): string {
  let param = '';
  for (const key of path)
    param += typeof key === 'number' ? `[${key}]` : param ? `.${String(key)}` : String(key);
  return param;
}

type Issue = z.core.$ZodIssue;

/** Issues of a value of the right kind that breaks a bound or a rule: too many items, too long, a refinement. */
const BOUND_CODES: ReadonlySet<string> = new Set([
  'too_big',
  'too_small',
  'invalid_format',
  'not_multiple_of',
  'custom',
]);

/**
 * The issue that says what is actually wrong: inside a union (`input` is a string or a list),
 * a branch that took the value's kind and broke only a bound (2,049 strings where 2,048 fit)
 * over branches that failed on the kind itself, then the branch that got furthest, naming the
 * deepest parameter; a bad record key names the record.
 */
function innermostIssue(issue: Issue): Issue {
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return { ...issue, path: issue.path.slice(0, -1), message: inner?.message ?? issue.message };
  }
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const rank = (found: Issue) => (BOUND_CODES.has(found.code) ? 1_000_000 : 0) + found.path.length;
  let best: Issue = issue;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (!first) continue;
    const candidate = innermostIssue({ ...first, path: [...issue.path, ...first.path] } as Issue);
    if (rank(candidate) > rank(best)) best = candidate;
  }
  return best;
}

/** Parses a body with a schema; the first violation becomes a 400 naming its parameter. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(null, 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issue = innermostIssue(result.error.issues[0]!);
  if (issue.code === 'unrecognized_keys') {
    const key = clip(issue.keys[0] ?? '');
    const param = paramPath([...issue.path, key]);
    throw badRequest(param, `Unrecognized request argument supplied: ${param}`, 'unknown_parameter');
  }
  const param = paramPath(issue.path);
  // A union (`input`: a string or a list) reports a value left out as its own issue.
  const code =
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined
      ? 'missing_required_parameter'
      : 'invalid_value';
  const message =
    code === 'missing_required_parameter'
      ? `Missing required parameter: '${param}'.`
      : `Invalid '${param}': ${issue.message}.`;
  throw badRequest(param, message, code);
}
