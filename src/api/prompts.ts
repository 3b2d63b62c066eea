import { z } from 'zod';
import { MessageItem } from './items.ts';
import { CreateResponseRequest, Metadata, ModelField, PromptVariableValue } from './request.ts';

/** `{{name}}` in a prompt's text, spaces inside the braces allowed: a variable the request fills. */
export const PROMPT_VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** A message of a prompt: `type` may be left out, as in a request's input. */
const PromptMessage = z.preprocess(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !('type' in value) &&
    'role' in value
      ? { ...value, type: 'message' }
      : value,
  MessageItem,
);

/**
 * What one version of a prompt holds: its messages (`instructions` becomes the first, a
 * developer message) and the request parameters it sets. A request that uses the prompt
 * sets its own parameters over these.
 */
export const PromptTemplate = CreateResponseRequest.pick({
  instructions: true,
  tools: true,
  tool_choice: true,
  parallel_tool_calls: true,
  max_tool_calls: true,
  text: true,
  reasoning: true,
  temperature: true,
  top_p: true,
  top_logprobs: true,
  max_output_tokens: true,
  truncation: true,
  include: true,
  store: true,
})
  .extend({
    /** The model the prompt is written for; a request that names one uses its own. */
    model: ModelField.nullish(),
    /** Messages after `instructions`, before the request's input; `{{name}}` in their text is a variable. */
    input: z.array(PromptMessage).max(1_000, 'a prompt has at most 1000 messages').nullish(),
    /** Values of variables that a request may leave out. */
    variables: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _'),
        PromptVariableValue,
      )
      .nullish(),
  })
  .refine((template) => Boolean(template.instructions) || (template.input?.length ?? 0) > 0, {
    message: 'a prompt needs instructions or at least one input message',
    path: ['instructions'],
  });
export type PromptTemplate = z.output<typeof PromptTemplate>;

/** `POST /v1/prompts`: a new prompt and its first version. */
export const CreatePromptBody = z.strictObject({
  name: z.string().min(1).max(256).nullish(),
  description: z.string().max(4096).nullish(),
  metadata: Metadata.nullish(),
  template: PromptTemplate,
});

/** `POST /v1/prompts/{id}/versions`: a new version, which becomes the latest. */
export const CreatePromptVersionBody = z.strictObject({ template: PromptTemplate });

/** `POST /v1/prompts/{id}`: what describes the prompt; its versions never change. */
export const UpdatePromptBody = z.strictObject({
  name: z.string().min(1).max(256).nullish(),
  description: z.string().max(4096).nullish(),
  metadata: Metadata.nullish(),
});

/** Bytes of one version's template as JSON: room for long instructions and an inline image or two. */
export const MAX_PROMPT_TEMPLATE_BYTES = 4 * 1024 * 1024;

/** A prompt at one of its versions, as `/v1/prompts` answers it. */
export interface PromptObject {
  id: string;
  object: 'prompt';
  name: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** Unix seconds the prompt was made. */
  created_at: number;
  /** The version a request without `prompt.version` uses. */
  latest_version: string;
  /** The version this object shows. */
  version: string;
  /** Unix seconds this version was made. */
  version_created_at: number;
  template: PromptTemplate;
  /** The variables the template's text names, in order of first appearance. */
  variables: string[];
}
