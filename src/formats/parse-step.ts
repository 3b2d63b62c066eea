import { ChatCompletionRequest } from '../api/chat-completions.ts';
import { CreateResponseRequest, parseBody } from '../api/request.ts';
import type { InputOrigin } from './chat/chat-messages-to-items.ts';
import { toChatError } from './chat/map-error-param.ts';
import { refuseUnsupported } from './chat/refuse-unsupported.ts';
import { toResponseRequest } from './chat/to-response-request.ts';
import type { Step } from '../gateway/gateway-call.ts';
import { isRunTextInput, RunTextInput, toChatBody } from './workers-ai/run-input.ts';

/** How a step's answer goes back: the wire format its request came in. */
export type AnswerFormat =
  | { kind: 'responses'; envelope: boolean }
  | { kind: 'chat'; chat: ChatCompletionRequest; origins: InputOrigin[] }
  | { kind: 'workers-ai'; envelope: boolean };

export interface ParsedStep {
  step: Step;
  format: AnswerFormat;
  /** Whether the client asked for a stream, in its own format's terms. */
  stream: boolean;
}

/** Maps a model name as a client wrote it to the catalog's id (e.g. a provider's own name). */
export type ModelName = (model: string) => string;
const asIs: ModelName = (model) => model;

export function responsesStep(body: unknown, modelName: ModelName = asIs, wrapped = false): ParsedStep {
  const request = parseBody(CreateResponseRequest, body);
  return {
    step: { request: { ...request, model: modelName(request.model) }, options: {} },
    format: { kind: 'responses', envelope: wrapped },
    stream: request.stream === true,
  };
}

export function chatStep(body: unknown, modelName: ModelName = asIs): ParsedStep {
  const chat = parseBody(ChatCompletionRequest, body);
  refuseUnsupported(chat);
  const { request, origins, stop } = toResponseRequest({ ...chat, model: modelName(chat.model) });
  return {
    step: { request: stop ? { ...request, stop } : request, options: {} },
    format: { kind: 'chat', chat, origins },
    stream: chat.stream === true,
  };
}

/**
 * `ai.run(model, inputs)`: Workers AI's `prompt` / `messages` input for text generation, or
 * a Responses request (`input`), as the model's own schema takes. Over REST the answer comes
 * in Cloudflare's envelope (`wrapped`); the binding returns the result itself.
 */
export function workersAiStep(model: string, body: unknown, wrapped = true): ParsedStep {
  if (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    isRunTextInput(body as Record<string, unknown>)
  ) {
    const input = parseBody(RunTextInput, body);
    const { step, stream } = chatStep(toChatBody(model, input));
    return { step, format: { kind: 'workers-ai', envelope: wrapped }, stream };
  }
  const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
  return responsesStep({ ...input, model }, asIs, wrapped);
}

/** A step that names only its model: what the gateway admits and logs a model operation by (gateway.operate). */
export function modelStep(model: string): ParsedStep {
  return {
    step: { request: { model, input: [] }, options: {} },
    format: { kind: 'responses', envelope: false },
    stream: false,
  };
}

/** A failure before any answer, in the terms of the step's format (a chat client's own parameter names). */
export function stepError(format: AnswerFormat, error: unknown): unknown {
  return format.kind === 'chat' ? toChatError(error, format.chat, format.origins) : error;
}
