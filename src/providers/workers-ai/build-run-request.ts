import { badRequest } from '../../api/errors.ts';
import { buildChatRequest } from '../chat-completions/build-chat-request.ts';
import type { ChatMessage, ChatRequest } from '../chat-completions/chat-wire.ts';
import type { ChatPreset } from '../chat-completions/presets.ts';
import type { Turn } from '../provider.ts';

/** The input of a text-generation model on `ai/run/{model}` (the model is in the URL). */
export interface RunRequest {
  messages: ChatMessage[];
  stream: true;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  tools?: ChatRequest['tools'];
  response_format?: { type: 'json_object' } | { type: 'json_schema'; json_schema: Record<string, unknown> };
}

export interface RunTranslation {
  body: RunRequest;
  customToolNames: Set<string>;
  warnings: string[];
}

/** Native model inputs take text messages only. */
function textOnly(message: ChatMessage): ChatMessage {
  if (message.role !== 'user' || typeof message.content === 'string') return message;
  if (message.content.some((part) => part.type !== 'text'))
    throw badRequest(
      'input',
      'Models served through Workers AI ai/run take text only: images and files cannot be sent.',
    );
  return {
    role: 'user',
    content: message.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
  };
}

/**
 * A turn as a native Workers AI text-generation input: the Chat Completions translation (so
 * messages, tool calls and tool outputs read the same), cut to the fields `ai/run` takes.
 * Workers AI's JSON mode takes the schema itself as `json_schema`.
 */
export function buildRunRequest(turn: Turn, preset: ChatPreset): RunTranslation {
  const chat = buildChatRequest(turn, preset);
  const warnings = [...chat.warnings];
  const body: RunRequest = { messages: chat.body.messages.map(textOnly), stream: true };
  const { max_tokens, max_completion_tokens, temperature, top_p, seed, tools, tool_choice, response_format } =
    chat.body;
  const maxTokens = max_tokens ?? max_completion_tokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (temperature !== undefined) body.temperature = temperature;
  if (top_p !== undefined) body.top_p = top_p;
  if (seed !== undefined) body.seed = seed;
  if (tools) body.tools = tools;
  if (tool_choice !== undefined && tool_choice !== 'auto')
    warnings.push('tool_choice: ai/run models take no tool_choice; the model chooses');
  if (response_format?.type === 'json_object') body.response_format = response_format;
  else if (response_format?.type === 'json_schema')
    body.response_format = { type: 'json_schema', json_schema: response_format.json_schema.schema };
  if (chat.body.reasoning_effort !== undefined || chat.body.reasoning !== undefined)
    warnings.push('reasoning.effort: ai/run models take no reasoning effort; it was not sent');
  return { body, customToolNames: chat.customToolNames, warnings };
}
