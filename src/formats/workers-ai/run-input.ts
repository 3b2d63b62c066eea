import { z } from 'zod';

/** A Workers AI function tool: `{name, description, parameters}`, or OpenAI's `{type: 'function', function}`. */
const RunTool = z.union([
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
  z.looseObject({ name: z.string(), description: z.string().optional(), parameters: z.unknown().optional() }),
]);

/**
 * Workers AI's input for text generation models (`ai.run('@cf/...', {prompt})` or
 * `{messages}`), the fields Portico takes; others are refused by the chat request it becomes.
 */
export const RunTextInput = z.strictObject({
  prompt: z.string().optional(),
  messages: z.array(z.unknown()).optional(),
  stream: z.boolean().optional(),
  max_tokens: z.int().positive().optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  seed: z.int().optional(),
  frequency_penalty: z.number().optional(),
  presence_penalty: z.number().optional(),
  tools: z.array(RunTool).optional(),
  response_format: z.unknown().optional(),
});
export type RunTextInput = z.output<typeof RunTextInput>;

/** Whether `inputs` are Workers AI's text generation shape rather than a Responses request. */
export function isRunTextInput(inputs: Record<string, unknown>): boolean {
  return !('input' in inputs) && !namesStoredPrompt(inputs) && ('prompt' in inputs || 'messages' in inputs);
}

/** A Responses request's stored prompt (`prompt: {id, variables}`), where Workers AI's `prompt` is text. */
export function namesStoredPrompt(inputs: Record<string, unknown>): boolean {
  return typeof inputs.prompt === 'object' && inputs.prompt !== null && !Array.isArray(inputs.prompt);
}

/**
 * The input as the body of the Chat Completions request it means, checked as one (so a bad
 * message is a 400 naming it), which the engine then runs like any chat request.
 */
export function toChatBody(model: string, input: RunTextInput): Record<string, unknown> {
  const messages = input.prompt !== undefined ? [{ role: 'user', content: input.prompt }] : input.messages;
  const body: Record<string, unknown> = { model, messages };
  if (input.stream !== undefined) body.stream = input.stream;
  if (input.max_tokens !== undefined) body.max_tokens = input.max_tokens;
  if (input.temperature !== undefined) body.temperature = input.temperature;
  if (input.top_p !== undefined) body.top_p = input.top_p;
  if (input.seed !== undefined) body.seed = input.seed;
  if (input.frequency_penalty !== undefined) body.frequency_penalty = input.frequency_penalty;
  if (input.presence_penalty !== undefined) body.presence_penalty = input.presence_penalty;
  if (input.response_format !== undefined) body.response_format = input.response_format;
  if (input.tools !== undefined)
    body.tools = input.tools.map((tool) =>
      'function' in tool ? tool : { type: 'function', function: tool },
    );
  return body;
}
