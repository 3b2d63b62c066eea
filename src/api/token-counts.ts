import { z } from 'zod';
import { CreateResponseRequest, InputField, ModelField } from './request.ts';

/**
 * `POST /v1/responses/input_tokens` (TokenCountsBody): the context fields of a create request,
 * every one optional as OpenAI's are (a count without `model` is the default model's).
 * `personality` is accepted and has no effect on the count.
 */
export const TokenCountsBody = CreateResponseRequest.pick({
  model: true,
  input: true,
  previous_response_id: true,
  conversation: true,
  instructions: true,
  tools: true,
  tool_choice: true,
  parallel_tool_calls: true,
  text: true,
  reasoning: true,
  truncation: true,
})
  .extend({
    model: ModelField.nullish(),
    input: InputField.nullish(),
    personality: z.string().nullish(),
  })
  .strict();

export type TokenCountsBody = z.output<typeof TokenCountsBody>;
