import { MessagesRequest } from '../api/anthropic-messages.ts';
import { badRequest } from '../api/errors.ts';
import { ChatCompletionRequest } from '../api/chat-completions.ts';
import { MODEL_FROM_PROMPT, parseBody, parseResponseRequest } from '../api/request.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { fromMessagesRequest } from './anthropic-messages/from-messages-request.ts';
import { messagesParam } from './anthropic-messages/messages-param.ts';
import { renameErrorParam, type InputOrigin } from './input-origin.ts';
import { toChatError } from './chat/map-error-param.ts';
import { refuseUnsupported } from './chat/refuse-unsupported.ts';
import { toResponseRequest } from './chat/to-response-request.ts';
import type { Step } from '../gateway/gateway-call.ts';
import { isRunTextInput, namesStoredPrompt, RunTextInput, toChatBody } from './workers-ai/run-input.ts';

/** How a step's answer goes back: the wire format its request came in. */
export type AnswerFormat =
  | { kind: 'responses'; envelope: boolean }
  | { kind: 'chat'; chat: ChatCompletionRequest; origins: InputOrigin[] }
  /** Anthropic's Messages API; `model` is the name the client gave, which its answer carries. */
  | { kind: 'anthropic'; model: string; origins: InputOrigin[] }
  | { kind: 'workers-ai'; envelope: boolean };

export interface ParsedStep {
  step: Step;
  format: AnswerFormat;
  /** Whether the client asked for a stream, in its own format's terms. */
  stream: boolean;
  /** What of the request its translation could not carry, in the format's own terms. */
  warnings?: string[];
}

/** Maps a model name as a client wrote it to the catalog's id (e.g. a provider's own name). */
export type ModelName = (model: string) => string;
const asIs: ModelName = (model) => model;

export function responsesStep(body: unknown, modelName: ModelName = asIs, wrapped = false): ParsedStep {
  const request = parseResponseRequest(body);
  return {
    // A model left to the stored prompt is named once the prompt is read (gateway/resolve-prompts.ts).
    step: {
      request:
        request.model === MODEL_FROM_PROMPT ? request : { ...request, model: modelName(request.model) },
      options: {},
    },
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
 * Anthropic's Messages API. The catalog tells which reasoning efforts the model takes, so that
 * a thinking budget becomes one of them.
 */
export function messagesStep(body: unknown, catalog: Catalog, modelName: ModelName = asIs): ParsedStep {
  const messages = parseBody(MessagesRequest, body);
  const { request, origins, warnings } = fromMessagesRequest(
    { ...messages, model: modelName(messages.model) },
    catalog,
  );
  return {
    step: { request, options: {} },
    format: { kind: 'anthropic', model: messages.model, origins },
    stream: messages.stream === true,
    warnings,
  };
}

/**
 * `ai.run(model, inputs)`: Workers AI's `prompt` / `messages` input for text generation, or
 * a Responses request (`input`), as the model's own schema takes. Over REST the answer comes
 * in Cloudflare's envelope (`wrapped`); the binding returns the result itself.
 */
export function workersAiStep(model: string, body: unknown, wrapped = true): ParsedStep {
  const object = typeof body === 'object' && body !== null && !Array.isArray(body);
  if (object && isRunTextInput(body as Record<string, unknown>)) {
    const input = parseBody(RunTextInput, body);
    const { step, stream } = chatStep(toChatBody(model, input));
    return { step, format: { kind: 'workers-ai', envelope: wrapped }, stream };
  }
  // Neither shape: named in Workers AI's terms, which a run's client speaks.
  if (object && !('input' in body) && !namesStoredPrompt(body as Record<string, unknown>))
    throw badRequest(
      'prompt',
      "Missing required parameter: 'prompt' (or 'messages'; or 'input', for a Responses request).",
      'missing_required_parameter',
    );
  const input = object ? body : {};
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
  switch (format.kind) {
    case 'chat':
      return toChatError(error, format.chat, format.origins);
    case 'anthropic':
      return renameErrorParam(error, (param) => messagesParam(param, format.origins));
    default:
      return error;
  }
}
