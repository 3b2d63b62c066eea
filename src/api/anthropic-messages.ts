import { z } from 'zod';
import { FunctionTool } from './tools.ts';

/**
 * Anthropic's Messages API as the wire spells it: the request of `POST /v1/messages` (strict:
 * an unknown field is a 400 naming it) and its content blocks, which the Anthropic provider
 * sends upstream too.
 */

/** A prompt-cache breakpoint (its `ttl`, its beta `scope`): accepted whole, and reported as not passed on. */
const CacheControl = z.looseObject({ type: z.string() }).nullish();

export const AnthropicTextBlock = z.strictObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: CacheControl,
  /** The citations of an earlier answer, sent back with it: accepted, not acted on. */
  citations: z.array(z.looseObject({ type: z.string() })).nullish(),
});

const Base64Source = z.strictObject({
  type: z.literal('base64'),
  media_type: z.string().min(1),
  data: z.string().min(1),
});
const UrlSource = z.strictObject({ type: z.literal('url'), url: z.string().min(1) });
/** A file by id: one of Portico's files (`/v1/files`), which the engine reads and sends by value. */
const FileSource = z.strictObject({ type: z.literal('file'), file_id: z.string().min(1) });
const PlainTextSource = z.strictObject({
  type: z.literal('text'),
  media_type: z.literal('text/plain'),
  data: z.string(),
});

export const AnthropicImageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [Base64Source, UrlSource, FileSource], {
    error: "an image's source is 'base64', 'url' or 'file'",
  }),
  cache_control: CacheControl,
});

/** A document's own content: text and images given inline. */
const ContentSource = z.strictObject({
  type: z.literal('content'),
  content: z.union([
    z.string(),
    z.array(z.discriminatedUnion('type', [AnthropicTextBlock, AnthropicImageBlock])),
  ]),
});

export const AnthropicDocumentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.discriminatedUnion(
    'type',
    [Base64Source, UrlSource, FileSource, PlainTextSource, ContentSource],
    {
      error: "a document's source is 'base64', 'url', 'file', 'text' or 'content'",
    },
  ),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.strictObject({ enabled: z.boolean().nullish() }).nullish(),
  cache_control: CacheControl,
});

export const AnthropicThinkingBlock = z.strictObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string(),
});
export const AnthropicRedactedThinkingBlock = z.strictObject({
  type: z.literal('redacted_thinking'),
  data: z.string(),
});

export const AnthropicToolUseBlock = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown(), { error: 'input must be a JSON object' }),
  cache_control: CacheControl,
});

export const AnthropicToolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([
      z.string(),
      z.array(
        z.discriminatedUnion('type', [AnthropicTextBlock, AnthropicImageBlock, AnthropicDocumentBlock], {
          error: "a tool_result's content is text, image and document blocks",
        }),
      ),
    ])
    .nullish(),
  is_error: z.boolean().nullish(),
  cache_control: CacheControl,
});

export const AnthropicBlock = z.discriminatedUnion(
  'type',
  [
    AnthropicTextBlock,
    AnthropicImageBlock,
    AnthropicDocumentBlock,
    AnthropicThinkingBlock,
    AnthropicRedactedThinkingBlock,
    AnthropicToolUseBlock,
    AnthropicToolResultBlock,
  ],
  {
    error:
      'Portico takes text, image, document, tool_use, tool_result, thinking and redacted_thinking blocks',
  },
);

/**
 * Message content: a string is shorthand for one text block. Normalizing it before validation
 * lets a bad block be named exactly (`messages[1].content[2].type`), as a union could not.
 */
function content<T extends z.ZodType>(block: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? [{ type: 'text', text: value }] : value),
    z.array(block, { error: 'content must be a string or a list of content blocks' }),
  );
}

export const AnthropicMessageParam = z.discriminatedUnion(
  'role',
  [
    z.strictObject({ role: z.literal('user'), content: content(AnthropicBlock) }),
    z.strictObject({ role: z.literal('assistant'), content: content(AnthropicBlock) }),
    z.strictObject({ role: z.literal('system'), content: content(AnthropicTextBlock) }),
  ],
  { error: "a message's role is 'user', 'assistant' or 'system'" },
);

/**
 * A tool the client runs, described by its input schema. `type` comes first: a server tool
 * (`web_search_20250305`, `bash_20250124`, ...) is refused by its type, before its other fields.
 */
export const AnthropicTool = z.strictObject({
  type: z
    .literal('custom', {
      error:
        "Portico runs none of Anthropic's server tools: offer a custom tool (name, description, input_schema)",
    })
    .nullish(),
  name: FunctionTool.shape.name,
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown(), { error: 'input_schema must be a JSON schema object' }),
  strict: z.boolean().nullish(),
  cache_control: CacheControl,
  // Hints Claude Code sends: accepted; the first two are reported as not acted on.
  defer_loading: z.boolean().nullish(),
  input_examples: z.array(z.record(z.string(), z.unknown())).nullish(),
  eager_input_streaming: z.boolean().nullish(),
});

const serial = { disable_parallel_tool_use: z.boolean().nullish() };
export const AnthropicToolChoice = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('auto'), ...serial }),
    z.strictObject({ type: z.literal('any'), ...serial }),
    z.strictObject({ type: z.literal('tool'), name: z.string().min(1), ...serial }),
    z.strictObject({ type: z.literal('none') }),
  ],
  { error: "tool_choice's type is 'auto', 'any', 'tool' or 'none'" },
);

const display = z.enum(['summarized', 'omitted']).nullish();
export const AnthropicThinkingConfig = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('enabled'),
      budget_tokens: z.int().min(1024, 'budget_tokens must be at least 1024'),
      display,
    }),
    z.strictObject({ type: z.literal('disabled') }),
    z.strictObject({ type: z.literal('adaptive'), display }),
  ],
  { error: "thinking's type is 'enabled', 'disabled' or 'adaptive'" },
);

export const AnthropicOutputConfig = z.strictObject({
  effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).nullish(),
  format: z
    .strictObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })
    .nullish(),
});

/** `POST /v1/messages`. */
export const MessagesRequest = z.strictObject({
  model: z.string({ error: 'model must be a string naming a model' }).min(1, 'model is required'),
  // Anthropic takes 0 to warm its prompt cache without an answer; Portico has no such cache.
  max_tokens: z.int().min(1, 'max_tokens must be at least 1'),
  messages: z
    .array(AnthropicMessageParam, { error: 'messages must be a list of messages' })
    .min(1, 'messages must not be empty'),
  system: z.union([z.string(), z.array(AnthropicTextBlock)]).nullish(),
  metadata: z.strictObject({ user_id: z.string().nullish() }).nullish(),
  stop_sequences: z.array(z.string().min(1)).nullish(),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  tools: z.array(AnthropicTool).nullish(),
  tool_choice: AnthropicToolChoice.nullish(),
  thinking: AnthropicThinkingConfig.nullish(),
  output_config: AnthropicOutputConfig.nullish(),
  service_tier: z.enum(['auto', 'standard_only']).nullish(),
  cache_control: CacheControl,
  /** Server-side context editing (a beta Claude Code always sends): accepted, reported as not acted on. */
  context_management: z.looseObject({}).nullish(),
});

/** `POST /v1/messages/count_tokens`: the context fields of a messages request. */
export const CountTokensRequest = MessagesRequest.pick({
  model: true,
  messages: true,
  system: true,
  tools: true,
  tool_choice: true,
  thinking: true,
  output_config: true,
  cache_control: true,
  context_management: true,
}).strict();

export type AnthropicTextBlock = z.output<typeof AnthropicTextBlock>;
export type AnthropicImageBlock = z.output<typeof AnthropicImageBlock>;
export type AnthropicDocumentBlock = z.output<typeof AnthropicDocumentBlock>;
export type AnthropicImageSource = AnthropicImageBlock['source'];
export type AnthropicDocumentSource = AnthropicDocumentBlock['source'];
export type AnthropicThinkingBlock = z.output<typeof AnthropicThinkingBlock>;
export type AnthropicRedactedThinkingBlock = z.output<typeof AnthropicRedactedThinkingBlock>;
/** A block of an answer's reasoning: its thinking, or thinking Anthropic redacted. */
export type AnthropicReasoningBlock = AnthropicThinkingBlock | AnthropicRedactedThinkingBlock;
export type AnthropicToolUseBlock = z.output<typeof AnthropicToolUseBlock>;
export type AnthropicToolResultBlock = z.output<typeof AnthropicToolResultBlock>;
export type AnthropicBlock = z.output<typeof AnthropicBlock>;
export type AnthropicMessageParam = z.output<typeof AnthropicMessageParam>;
export type AnthropicTool = z.output<typeof AnthropicTool>;
export type AnthropicToolChoice = z.output<typeof AnthropicToolChoice>;
export type AnthropicThinkingConfig = z.output<typeof AnthropicThinkingConfig>;
export type MessagesRequest = z.output<typeof MessagesRequest>;
export type CountTokensRequest = z.output<typeof CountTokensRequest>;
export type AnthropicOutputConfig = z.output<typeof AnthropicOutputConfig>;
